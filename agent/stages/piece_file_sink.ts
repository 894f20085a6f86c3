/**
 * @module piece_file_sink — the last stage: writes each segment at its file
 * offset (positioned writes, so pieces of one task can be written
 * concurrently) and reports a piece once all its bytes are on disk.
 */
import type { Segment } from "./piece_split_stream.ts";

/** Options of {@link PieceFileSink}. */
export interface PieceFileSinkOptions {
  /** Writes bytes at a file offset (positioned, complete). */
  writeAt(offset: number, bytes: Uint8Array): void;
  /** True for pieces already verified: their bytes are dropped, never overwritten. */
  skip(index: number): boolean;
  /** Called after a piece's last byte is written, with its digest. */
  onPiece(index: number, digest: string, bytes: number): void | Promise<void>;
  /** Called with each segment's bytes once they are written or dropped (to reuse the buffer). */
  release?(bytes: Uint8Array): void;
  /** Bytes the queue before the disk may hold (back pressure beyond it). */
  highWaterMark?: number;
}

/**
 * A WritableStream of {@link Segment}s into an open file.
 *
 * @example
 * ```ts
 * import { PieceFileSink } from "./piece_file_sink.ts";
 * const file = new Uint8Array(4);
 * let got = "";
 * await ReadableStream.from([
 *   { kind: "bytes" as const, index: 0, offset: 2, bytes: new Uint8Array([7]) },
 *   { kind: "end" as const, index: 0, digest: "d" },
 * ]).pipeTo(new PieceFileSink({
 *   writeAt: (offset, bytes) => file.set(bytes, offset),
 *   skip: () => false,
 *   onPiece: (i, d) => { got = `${i}${d}`; },
 * }));
 * if (got !== "0d" || file[2] !== 7) throw new Error();
 * ```
 */
export class PieceFileSink extends WritableStream<Segment> {
  constructor(options: PieceFileSinkOptions) {
    const written = new Map<number, number>();
    super({
      async write(segment) {
        if (segment.kind === "bytes") {
          if (options.skip(segment.index)) return options.release?.(segment.bytes);
          options.writeAt(segment.offset, segment.bytes);
          written.set(segment.index, (written.get(segment.index) ?? 0) + segment.bytes.byteLength);
          options.release?.(segment.bytes);
          return;
        }
        if (options.skip(segment.index)) return;
        const bytes = written.get(segment.index) ?? 0;
        written.delete(segment.index);
        await options.onPiece(segment.index, segment.digest!, bytes);
      },
    }, {
      highWaterMark: options.highWaterMark ?? 4 * 2 ** 20,
      size: (segment) => segment.kind === "bytes" ? segment.bytes.byteLength : 0,
    });
  }
}
