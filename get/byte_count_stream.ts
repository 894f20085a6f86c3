/**
 * @module byte_count_stream — passes bytes through unchanged and counts them,
 * telling a callback the running total after each chunk (for progress).
 */

/**
 * Counts the bytes that flow through.
 *
 * @example
 * ```ts
 * import { ByteCountStream } from "./byte_count_stream.ts";
 * const counter = new ByteCountStream();
 * await ReadableStream.from([new Uint8Array(3), new Uint8Array(4)]).pipeThrough(counter).pipeTo(new WritableStream());
 * if (counter.bytes !== 7) throw new Error();
 * ```
 */
export class ByteCountStream extends TransformStream<Uint8Array, Uint8Array> {
  #bytes = 0;

  /** `onBytes` receives the running total after each chunk. */
  constructor(onBytes?: (total: number) => void) {
    super({
      transform: (chunk, controller) => {
        this.#bytes += chunk.byteLength;
        controller.enqueue(chunk);
        onBytes?.(this.#bytes);
      },
    });
  }

  /** Bytes passed through so far. */
  get bytes(): number {
    return this.#bytes;
  }
}
