/**
 * @module ndjson_stream — bytes of newline-delimited JSON in, one parsed value
 * per line out. Blank lines are skipped; a malformed or oversized line errors
 * the stream.
 */

/** Options of {@link NdjsonStream}. */
export interface NdjsonStreamOptions {
  /** Longest line accepted, in characters (default 1 MiB). */
  maxLine?: number;
}

/**
 * Splits a byte stream into lines and parses each as JSON.
 *
 * @example
 * ```ts
 * import { NdjsonStream } from "./ndjson_stream.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\n{"a"');
 * const rest = new TextEncoder().encode(':2}\n');
 * const values = await Array.fromAsync(ReadableStream.from([bytes, rest]).pipeThrough(new NdjsonStream()));
 * if (values.length !== 2) throw new Error();
 * ```
 */
export class NdjsonStream extends TransformStream<Uint8Array, unknown> {
  constructor(options: NdjsonStreamOptions = {}) {
    const { maxLine = 1 << 20 } = options;
    const decoder = new TextDecoder();
    let buffered = "";
    const emit = (line: string, controller: TransformStreamDefaultController<unknown>) => {
      if (line.trim() === "") return;
      try {
        controller.enqueue(JSON.parse(line));
      } catch {
        throw new SyntaxError(`Cannot parse NDJSON line as JSON: ${line.slice(0, 80)}`);
      }
    };
    super({
      transform(chunk, controller) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          emit(buffered.slice(0, newline), controller);
          buffered = buffered.slice(newline + 1);
        }
        if (buffered.length > maxLine) {
          throw new RangeError(
            `Cannot parse NDJSON as a line is longer than ${maxLine} characters`,
          );
        }
      },
      flush(controller) {
        emit(buffered + decoder.decode(), controller);
      },
    });
  }
}
