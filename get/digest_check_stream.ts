/**
 * @module digest_check_stream — hashes bytes as they pass and errors the pipe
 * in `flush` when the whole body does not match the expected `sha256:HEX`, so
 * a sink that commits only after a clean close never keeps a wrong file.
 */
import { createHash, type Hash } from "node:crypto";
import { DflyError } from "../errors.ts";

/** Error code of a whole-file digest mismatch. */
export const DIGEST_MISMATCH = "digest_mismatch";

/**
 * Checks the SHA-256 of everything that flows through.
 *
 * @example
 * ```ts
 * import { DigestCheckStream } from "./digest_check_stream.ts";
 * const empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
 * await ReadableStream.from<Uint8Array>([]).pipeThrough(new DigestCheckStream(empty)).pipeTo(new WritableStream());
 * ```
 */
export class DigestCheckStream extends TransformStream<Uint8Array, Uint8Array> {
  /** `expected` is `sha256:` followed by 64 lowercase hex characters. */
  constructor(expected: string) {
    if (!/^sha256:[0-9a-f]{64}$/.test(expected)) {
      throw new RangeError(
        `Cannot check digest "${expected}": use sha256: and 64 lowercase hex characters`,
      );
    }
    const hash: Hash = createHash("sha256");
    super({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        const actual = `sha256:${hash.digest("hex")}`;
        if (actual !== expected) {
          throw new DflyError(
            `digest mismatch: expected ${expected}, got ${actual}`,
            DIGEST_MISMATCH,
            502,
          );
        }
      },
    });
  }
}
