import assert from "node:assert/strict";
import { IdleTimeoutError, IdleTimeoutStream } from "./idle_timeout_stream.ts";

Deno.test("IdleTimeoutStream() errors and aborts when the sender goes quiet", async () => {
  const controller = new AbortController();
  const silent = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(1));
    },
  });
  const started = performance.now();
  await assert.rejects(
    () => Array.fromAsync(silent.pipeThrough(new IdleTimeoutStream(100, controller))),
    IdleTimeoutError,
  );
  assert.ok(performance.now() - started < 1000);
  assert.ok(controller.signal.aborted);
});

Deno.test("IdleTimeoutStream() lets a steady stream through", async () => {
  let n = 0;
  const steady = new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 20));
      if (++n > 10) c.close();
      else c.enqueue(new Uint8Array(1));
    },
  });
  const out = await Array.fromAsync(steady.pipeThrough(new IdleTimeoutStream(100)));
  assert.equal(out.length, 10);
});

Deno.test("IdleTimeoutStream() errors when the sender only trickles", async () => {
  const controller = new AbortController();
  let stop = false;
  const trickle = new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 10));
      if (stop) c.close();
      else c.enqueue(new Uint8Array(1));
    },
  });
  const started = performance.now();
  await assert.rejects(
    () => Array.fromAsync(trickle.pipeThrough(new IdleTimeoutStream(100, controller, 1000))),
    (err: Error) => err instanceof IdleTimeoutError && /trickles/.test(err.message),
  );
  stop = true;
  assert.ok(performance.now() - started < 1000);
  assert.ok(controller.signal.aborted);
});

Deno.test("IdleTimeoutStream() lets a slow but sufficient stream through", async () => {
  let n = 0;
  const slow = new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 10));
      if (++n > 40) c.close();
      else c.enqueue(new Uint8Array(100));
    },
  });
  // 100 bytes every ~10 ms against 100 per 1000 ms: passes even on a loaded machine.
  const out = await Array.fromAsync(slow.pipeThrough(new IdleTimeoutStream(1000, undefined, 100)));
  assert.equal(out.length, 40);
});
