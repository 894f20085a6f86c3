import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DigestMismatchError } from "../../errors.ts";
import { PieceHashStream } from "./piece_hash_stream.ts";
import { PieceSplitStream } from "./piece_split_stream.ts";

const data = new TextEncoder().encode("abcdefgh");
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function run(expected: (i: number) => string | null) {
  return Array.fromAsync(
    ReadableStream.from([data.subarray(0, 3), data.subarray(3)])
      .pipeThrough(new PieceSplitStream({ start: 0, end: 8, pieceSize: 4, length: 8 }))
      .pipeThrough(new PieceHashStream(expected)),
  );
}

Deno.test("PieceHashStream() fills in each piece's digest when none is expected", async () => {
  const ends = (await run(() => null)).filter((s) => s.kind === "end");
  assert.deepEqual(ends.map((s) => s.kind === "end" && s.digest), [sha("abcd"), sha("efgh")]);
});

Deno.test("PieceHashStream() passes pieces that match and fails on a mismatch", async () => {
  const want = [sha("abcd"), sha("efgh")];
  assert.equal((await run((i) => want[i])).length, 5);
  await assert.rejects(() => run((i) => i === 1 ? sha("nope") : want[i]), DigestMismatchError);
});
