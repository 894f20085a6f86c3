import assert from "node:assert/strict";
import { BufferPool } from "./buffer_pool.ts";

Deno.test("BufferPool lends each buffer to one owner at a time", () => {
  const pool = new BufferPool(8, 4);
  const a = pool.take();
  const b = pool.take();
  assert.notEqual(a, b);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.free, 1, "a second give of the same buffer is ignored");
  pool.give(new ArrayBuffer(8));
  assert.equal(pool.free, 1, "a buffer the pool never lent is not taken");
  assert.equal(pool.take(), a);
  assert.equal(pool.free, 0);
});

Deno.test("BufferPool keeps at most maxFree idle buffers", () => {
  const pool = new BufferPool(8, 2);
  const lent = [pool.take(), pool.take(), pool.take()];
  for (const b of lent) pool.give(b);
  assert.equal(pool.free, 2);
  assert.throws(() => new BufferPool(0, 1), RangeError);
});
