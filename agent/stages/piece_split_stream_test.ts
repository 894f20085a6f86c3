import assert from "node:assert/strict";
import { SourceError } from "../../errors.ts";
import { PieceSplitStream, type Segment } from "./piece_split_stream.ts";

function split(chunks: number[], start: number, end: number, length = 10) {
  return Array.fromAsync(
    ReadableStream.from(chunks.map((n) => new Uint8Array(n))).pipeThrough(
      new PieceSplitStream({ start, end, pieceSize: 4, length }),
    ),
  );
}

function shape(segments: Segment[]): string[] {
  return segments.map((s) =>
    s.kind === "bytes" ? `${s.index}@${s.offset}+${s.bytes.length}` : `end${s.index}`
  );
}

Deno.test("PieceSplitStream() cuts chunks at piece boundaries, short last piece included", async () => {
  assert.deepEqual(shape(await split([3, 5, 2], 0, 10)), [
    "0@0+3",
    "0@3+1",
    "end0",
    "1@4+4",
    "end1",
    "2@8+2",
    "end2",
  ]);
});

Deno.test("PieceSplitStream() starts at a later piece", async () => {
  assert.deepEqual(shape(await split([4], 4, 8)), ["1@4+4", "end1"]);
});

Deno.test("PieceSplitStream() errors when the sender stops short or sends too much", async () => {
  await assert.rejects(() => split([3], 0, 4), SourceError);
  await assert.rejects(() => split([5], 0, 4), SourceError);
});

Deno.test("PieceSplitStream() refuses a start that is not a piece boundary", () => {
  assert.throws(
    () => new PieceSplitStream({ start: 1, end: 4, pieceSize: 4, length: 10 }),
    RangeError,
  );
});

Deno.test("PieceSplitStream() lets only a chunk's first segment share its buffer", async () => {
  const chunk = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const out = await Array.fromAsync(
    ReadableStream.from([chunk]).pipeThrough(
      new PieceSplitStream({ start: 0, end: 6, pieceSize: 4, length: 6 }),
    ),
  );
  const bytes = out.flatMap((s) => s.kind === "bytes" ? [s.bytes] : []);
  assert.equal(bytes[0].buffer, chunk.buffer);
  assert.notEqual(bytes[1].buffer, chunk.buffer, "the second segment is a copy");
  assert.deepEqual([...bytes[1]], [5, 6]);
});
