import assert from "node:assert/strict";
import { pieceCount, pieceRange, pieceSize } from "./piece_size.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

Deno.test("pieceSize() is 4 MiB up to and including 2 GiB", () => {
  assert.equal(pieceSize(0), 4 * MiB);
  assert.equal(pieceSize(1), 4 * MiB);
  assert.equal(pieceSize(256 * MiB), 4 * MiB);
  assert.equal(pieceSize(2 * GiB), 4 * MiB);
});

Deno.test("pieceSize() takes the next power of two of length/500 above 2 GiB", () => {
  // 2 GiB + 1 / 500 ≈ 4.1 MiB → 8 MiB
  assert.equal(pieceSize(2 * GiB + 1), 8 * MiB);
  assert.equal(pieceSize(4 * GiB), 16 * MiB); // 8.19 MiB → 16
  assert.equal(pieceSize(500 * 16 * MiB), 16 * MiB); // exactly 16 MiB each
  assert.equal(pieceSize(500 * 16 * MiB + 1), 32 * MiB);
});

Deno.test("pieceSize() is capped at 64 MiB", () => {
  assert.equal(pieceSize(100 * GiB), 64 * MiB);
  assert.equal(pieceSize(2 ** 50), 64 * MiB);
});

Deno.test("pieceSize() refuses negative and fractional lengths", () => {
  assert.throws(() => pieceSize(-1), RangeError);
  assert.throws(() => pieceSize(1.5), RangeError);
});

Deno.test("pieceCount() and pieceRange() cover the file exactly", () => {
  assert.equal(pieceCount(0, 4), 0);
  assert.equal(pieceCount(10, 4), 3);
  assert.deepEqual(pieceRange(10, 4, 0), { start: 0, end: 4 });
  assert.deepEqual(pieceRange(10, 4, 2), { start: 8, end: 10 });
});
