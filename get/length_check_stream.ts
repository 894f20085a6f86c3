/**
 * @module length_check_stream — errors the pipe when a body is longer or
 * shorter than the length its sender declared (a cut connection must not
 * pass for a complete file).
 */
import { DflyError } from "../errors.ts";

/** Options of {@link LengthCheckStream}. */
export interface LengthCheckStreamOptions {
  /** Declared length in bytes. */
  expected: number;
  /** Who declared it, for the message: "source" or "agent". */
  sender: string;
}

/**
 * Passes bytes through and checks their total against `expected`.
 *
 * @example
 * ```ts
 * import { LengthCheckStream } from "./length_check_stream.ts";
 * const short = ReadableStream.from([new Uint8Array(3)])
 *   .pipeThrough(new LengthCheckStream({ expected: 4, sender: "source" }));
 * const failed = await short.pipeTo(new WritableStream()).then(() => false, () => true);
 * if (!failed) throw new Error("a short body must fail");
 * ```
 */
export class LengthCheckStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(options: LengthCheckStreamOptions) {
    const { expected, sender } = options;
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new RangeError(
        `Cannot check length as expected must be a non-negative integer: current value is ${expected}`,
      );
    }
    let seen = 0;
    super({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > expected) {
          throw new DflyError(
            `${sender} sent more than the ${expected} bytes it announced`,
            "bad_length",
            502,
          );
        }
        controller.enqueue(chunk);
      },
      flush() {
        if (seen !== expected) {
          throw new DflyError(
            `${sender} sent ${seen} bytes, expected ${expected}`,
            "bad_length",
            502,
          );
        }
      },
    });
  }
}
