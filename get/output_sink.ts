/**
 * @module output_sink — where downloaded bytes go. A file output writes to a
 * temporary file beside the target and renames it into place only on
 * {@link OutputSink.commit}, so a failed download never leaves a partial file
 * at (or next to) the output path. Stdout is written in order as bytes arrive.
 */
import { basename, dirname, join } from "node:path";
import { DflyError } from "../errors.ts";

/** A destination for the content. */
export interface OutputSink {
  /** The output path, or "stdout", for messages. */
  readonly name: string;
  /** Receives the content in order. */
  readonly writable: WritableStream<Uint8Array>;
  /**
   * The file's own writable, when there is one. Piping a fetch body straight
   * into it lets the runtime copy without JavaScript per chunk (about twice
   * as fast); use it instead of `writable` when no stage needs to see the bytes.
   */
  readonly native?: WritableStream<Uint8Array>;
  /** Bytes written so far (file outputs), for progress and the length check. */
  size(): Promise<number>;
  /** Makes the content visible at the output (rename); call after the pipe finished. */
  commit(): Promise<void>;
  /** Throws the content away (removes the temporary file); safe to call twice. */
  abort(): Promise<void>;
}

/** Suffix of temporary files, so they are recognisable in a directory listing. */
export const TEMP_SUFFIX = ".dfly-part";

/** The temporary file name used for `path`. */
export function tempPathFor(path: string, random = crypto.randomUUID().slice(0, 8)): string {
  return join(dirname(path), `.${basename(path)}.${random}${TEMP_SUFFIX}`);
}

/**
 * Fails early with a readable reason when `path` cannot be an output: its
 * directory is missing or it names a directory.
 */
export async function checkOutputPath(path: string): Promise<void> {
  const dir = dirname(path);
  const dirInfo = await Deno.stat(dir).catch((err) => {
    throw writeError(path, err);
  });
  if (!dirInfo.isDirectory) {
    throw new DflyError(
      `cannot write ${path}: ${dir} is not a directory`,
      "output_not_writable",
      400,
    );
  }
  const info = await Deno.stat(path).catch(() => null);
  if (info?.isDirectory) {
    throw new DflyError(`cannot write ${path}: it is a directory`, "output_not_writable", 400);
  }
}

/** Opens a temporary file beside `path`; {@link OutputSink.commit} renames it to `path`. */
export async function openFileOutput(path: string): Promise<OutputSink> {
  await checkOutputPath(path);
  const temp = tempPathFor(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
  } catch (err) {
    throw writeError(path, err);
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      file.close();
    } catch {
      // already closed by a failed write
    }
  };
  let finished = false;
  return {
    name: path,
    get native() {
      return file.writable;
    },
    size: async () => (await Deno.stat(temp)).size,
    writable: new WritableStream<Uint8Array>({
      async write(chunk) {
        try {
          for (let at = 0; at < chunk.byteLength;) at += await file.write(chunk.subarray(at));
        } catch (err) {
          throw writeError(path, err);
        }
      },
    }),
    async commit() {
      close();
      try {
        await Deno.rename(temp, path);
      } catch (err) {
        await Deno.remove(temp).catch(() => {});
        throw writeError(path, err);
      }
      finished = true;
    },
    async abort() {
      close();
      if (finished) return;
      finished = true;
      await Deno.remove(temp).catch(() => {});
    },
  };
}

/** Writes to this process's stdout (left open for later output). */
export function stdoutOutput(): OutputSink {
  const writer = Deno.stdout.writable.getWriter();
  let written = 0;
  return {
    name: "stdout",
    size: () => Promise.resolve(written),
    writable: new WritableStream<Uint8Array>({
      async write(chunk) {
        try {
          await writer.write(chunk);
          written += chunk.byteLength;
        } catch (err) {
          throw writeError("stdout", err);
        }
      },
    }),
    async commit() {
      writer.releaseLock();
      await Promise.resolve();
    },
    async abort() {
      try {
        writer.releaseLock();
      } catch {
        // released already
      }
      await Promise.resolve();
    },
  };
}

/** The error for a failed write to `path`. */
export function writeError(path: string, err: unknown): DflyError {
  return new DflyError(`cannot write ${path}: ${reason(err)}`, "output_not_writable", 500);
}

function reason(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such directory";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.BrokenPipe) return "the reader went away";
  const message = err instanceof Error ? err.message : String(err);
  if (/no space left/i.test(message)) return "no space left on the device";
  return message.replace(/\s*\(os error \d+\).*$/s, "").replaceAll("\n", " ");
}
