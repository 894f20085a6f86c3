/**
 * @module piece_split_stream — cuts a byte stream that covers a contiguous
 * range of a task's file into per-piece segments, with a marker at the end of
 * each piece, so later stages can hash and write piece by piece.
 */
import { SourceError } from "../../errors.ts";

/** Bytes of one piece at an absolute file offset, or the end of a piece. */
export type Segment =
  | { kind: "bytes"; index: number; offset: number; bytes: Uint8Array }
  | { kind: "end"; index: number; digest: string | null };

/** Options of {@link PieceSplitStream}. */
export interface PieceSplitStreamOptions {
  /** File offset of the first byte; must be a piece boundary. */
  start: number;
  /** File offset just past the last byte expected. */
  end: number;
  pieceSize: number;
  /** File length (the last piece may be short). */
  length: number;
}

/**
 * Splits bytes into {@link Segment}s; errors when the input ends before `end`
 * or runs past it (the sender broke the transfer or the file changed).
 *
 * @example
 * ```ts
 * import { PieceSplitStream } from "./piece_split_stream.ts";
 * const out = await Array.fromAsync(ReadableStream.from([new Uint8Array(6)]).pipeThrough(
 *   new PieceSplitStream({ start: 0, end: 6, pieceSize: 4, length: 6 }),
 * ));
 * if (out.map((s) => s.kind).join() !== "bytes,end,bytes,end") throw new Error();
 * ```
 */
export class PieceSplitStream extends TransformStream<Uint8Array, Segment> {
  constructor(options: PieceSplitStreamOptions) {
    const { start, end, pieceSize, length } = options;
    if (start % pieceSize !== 0 || start > end || end > length) {
      throw new RangeError(`Cannot split bytes ${start}-${end} into pieces of ${pieceSize}`);
    }
    let at = start;
    super({
      transform(chunk, controller) {
        if (at + chunk.byteLength > end) {
          throw new SourceError(`Sender sent more than the ${end - start} bytes expected`);
        }
        let used = 0;
        while (used < chunk.byteLength) {
          const index = Math.floor(at / pieceSize);
          const pieceEnd = Math.min(length, (index + 1) * pieceSize);
          const take = Math.min(chunk.byteLength - used, pieceEnd - at);
          // Only the first segment may share the chunk's buffer: the last
          // stage gives that buffer back to its pool after writing it.
          const bytes = used === 0
            ? (take === chunk.byteLength ? chunk : chunk.subarray(0, take))
            : chunk.slice(used, used + take);
          controller.enqueue({ kind: "bytes", index, offset: at, bytes });
          at += take;
          used += take;
          if (at === pieceEnd) controller.enqueue({ kind: "end", index, digest: null });
        }
      },
      flush() {
        if (at < end) {
          throw new SourceError(`Sender sent ${at - start} bytes, expected ${end - start}`);
        }
      },
    });
  }
}
