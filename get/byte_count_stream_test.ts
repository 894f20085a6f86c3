import assert from "node:assert/strict";
import { ByteCountStream } from "./byte_count_stream.ts";

Deno.test("ByteCountStream() passes chunks through and reports running totals", async () => {
  const totals: number[] = [];
  const counter = new ByteCountStream((n) => totals.push(n));
  const chunks = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array(0)];
  const out = await Array.fromAsync(ReadableStream.from(chunks).pipeThrough(counter));
  assert.deepEqual(out, chunks);
  assert.deepEqual(totals, [2, 3, 3]);
  assert.equal(counter.bytes, 3);
});
