import assert from "node:assert/strict";
import { PieceFileSink } from "./piece_file_sink.ts";
import type { Segment } from "./piece_split_stream.ts";

Deno.test("PieceFileSink releases every bytes segment after writing or skipping it", async () => {
  const file = new Uint8Array(8);
  const released: number[] = [];
  const pieces: [number, number][] = [];
  const segs: Segment[] = [
    { kind: "bytes", index: 0, offset: 0, bytes: new Uint8Array([1, 2, 3, 4]) },
    { kind: "end", index: 0, digest: "a" },
    { kind: "bytes", index: 1, offset: 4, bytes: new Uint8Array([9, 9, 9, 9]) },
    { kind: "end", index: 1, digest: "b" },
  ];
  await ReadableStream.from(segs).pipeTo(
    new PieceFileSink({
      writeAt: (offset, bytes) => file.set(bytes, offset),
      skip: (i) => i === 1,
      onPiece: (i, _d, n) => void pieces.push([i, n]),
      release: (bytes) => void released.push(bytes[0]),
    }),
  );
  assert.deepEqual(released, [1, 9]);
  assert.deepEqual(pieces, [[0, 4]], "a skipped piece is neither written nor reported");
  assert.deepEqual([...file], [1, 2, 3, 4, 0, 0, 0, 0]);
});
