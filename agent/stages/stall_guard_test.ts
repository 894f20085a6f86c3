import assert from "node:assert/strict";
import { stallGuard } from "./stall_guard.ts";

Deno.test("stallGuard() cancels the source when the reader stops reading", async () => {
  let cancelled: unknown = null;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new Uint8Array(8));
    },
    cancel(reason) {
      cancelled = reason;
    },
  }, { highWaterMark: 0 });
  let stalls = 0;
  const reader = stallGuard(source, 50, () => stalls++).getReader();
  assert.equal((await reader.read()).value?.byteLength, 8);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(stalls, 1);
  assert.ok(cancelled instanceof Error);
  await assert.rejects(reader.read(), /took nothing for 50 ms/);
});

Deno.test("stallGuard() leaves a steady reader alone and passes every byte", async () => {
  const chunks = Array.from({ length: 5 }, (_, i) => new Uint8Array(4).fill(i));
  let stalls = 0;
  const body = stallGuard(ReadableStream.from(chunks), 100, () => stalls++);
  const seen: number[] = [];
  for await (const chunk of body) {
    seen.push(chunk[0]);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(stalls, 0);
});
