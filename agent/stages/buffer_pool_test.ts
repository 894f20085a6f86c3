import assert from "node:assert/strict";
import { BufferPool } from "./buffer_pool.ts";
import { pooledRead } from "./pooled_read.ts";

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

Deno.test("pooledRead() fills pooled buffers from a real HTTP body and reuses them", async () => {
  const data = crypto.getRandomValues(new Uint8Array(60_000));
  await using server = Deno.serve({ port: 0, onListen() {} }, () => new Response(data));
  const pool = new BufferPool(16 * 1024, 4);
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  const got = new Uint8Array(data.byteLength);
  let at = 0;
  const seen = new Set<ArrayBufferLike>();
  for await (const chunk of pooledRead(res.body!, pool)) {
    assert.equal(chunk.byteOffset, 0);
    assert.equal(chunk.buffer.byteLength, pool.size);
    got.set(chunk, at);
    at += chunk.byteLength;
    seen.add(chunk.buffer);
    pool.give(chunk.buffer);
  }
  assert.equal(at, data.byteLength);
  assert.deepEqual(got, data);
  assert.ok(pool.free >= 1, "buffers came back to the pool");
});

Deno.test("pooledRead() passes a stream that is not a byte stream unchanged", async () => {
  const body = ReadableStream.from([new Uint8Array([1, 2])]);
  const out = pooledRead(body, new BufferPool(4, 1));
  assert.equal(out, body);
  assert.deepEqual(await Array.fromAsync(out), [new Uint8Array([1, 2])]);
});
