/**
 * @module piece_hash_stream — hashes each piece's segments with sha256 and
 * fills in the digest on its end marker; when the expected digest is known it
 * errors the pipe on a mismatch, so the piece is never marked verified.
 */
import { createHash, type Hash } from "node:crypto";
import { DigestMismatchError } from "../../errors.ts";
import type { Segment } from "./piece_split_stream.ts";

/**
 * Hashes segments per piece. `expected(index)` returns the digest the piece
 * must have, or null when this stream is the first to see it (from source).
 *
 * @example
 * ```ts
 * import { PieceHashStream } from "./piece_hash_stream.ts";
 * const seg = { kind: "bytes" as const, index: 0, offset: 0, bytes: new Uint8Array(0) };
 * const out = await Array.fromAsync(ReadableStream.from([seg, { kind: "end" as const, index: 0, digest: null }])
 *   .pipeThrough(new PieceHashStream(() => null)));
 * const end = out[1];
 * if (end.kind !== "end" || !end.digest?.startsWith("e3b0c442")) throw new Error();
 * ```
 */
export class PieceHashStream extends TransformStream<Segment, Segment> {
  constructor(expected: (index: number) => string | null, what = "piece") {
    let hash: Hash | null = null;
    let current = -1;
    super({
      transform(segment, controller) {
        if (segment.kind === "bytes") {
          if (segment.index !== current) {
            hash = createHash("sha256");
            current = segment.index;
          }
          hash!.update(segment.bytes);
          controller.enqueue(segment);
          return;
        }
        // A zero-length piece has no bytes segment before its end.
        const digest = (segment.index === current ? hash! : createHash("sha256")).digest("hex");
        current = -1;
        const want = expected(segment.index);
        if (want !== null && want !== digest) {
          throw new DigestMismatchError(`${what} ${segment.index}`, want, digest);
        }
        controller.enqueue({ kind: "end", index: segment.index, digest });
      },
    });
  }
}
