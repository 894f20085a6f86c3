/**
 * @module whole_file_digest — checks a finished task's data file against the
 * whole-file digest its caller named (a registry blob's `sha256:…`), before
 * the task counts as done.
 */
import { createHash } from "node:crypto";
import { DigestMismatchError } from "../errors.ts";

/** sha256 hex of the file at `path`, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 20);
  while (true) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
  }
  return hash.digest("hex");
}

/** Throws {@link DigestMismatchError} unless the file at `path` hashes to `digest` (`sha256:HEX`). */
export async function checkWholeFile(path: string, digest: string, what: string): Promise<void> {
  const want = digest.replace(/^sha256:/, "");
  const got = await sha256OfFile(path);
  if (got !== want) throw new DigestMismatchError(what, want, got);
}
