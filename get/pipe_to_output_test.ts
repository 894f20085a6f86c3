import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { OutputSink } from "./output_sink.ts";
import { pipeToOutput } from "./pipe_to_output.ts";

function memorySink(native = false) {
  const chunks: Uint8Array[] = [];
  const state = { committed: false, aborted: false, chunks };
  const sink: OutputSink = {
    name: "memory",
    native: native ? new WritableStream({ write: (c) => void chunks.push(c) }) : undefined,
    size: () => Promise.resolve(chunks.reduce((n, c) => n + c.byteLength, 0)),
    writable: new WritableStream({ write: (c) => void chunks.push(c) }),
    commit: () => Promise.resolve(void (state.committed = true)),
    abort: () => Promise.resolve(void (state.aborted = true)),
  };
  return { sink, state };
}

const data = new Uint8Array([1, 2, 3, 4, 5]);
const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
const body = () => ReadableStream.from([data.slice(0, 2), data.slice(2)]);

Deno.test("pipeToOutput() commits a body that passes every check", async () => {
  const { sink, state } = memorySink();
  const seen: number[] = [];
  const n = await pipeToOutput(body(), sink, {
    expected: 5,
    digest,
    sender: "source",
    onBytes: (b) => seen.push(b),
  });
  assert.equal(n, 5);
  assert.deepEqual(seen, [2, 5]);
  assert.equal(state.committed, true);
  assert.equal(state.aborted, false);
});

Deno.test("pipeToOutput() aborts on a digest mismatch", async () => {
  const { sink, state } = memorySink();
  const wrong = `sha256:${"1".repeat(64)}`;
  await assert.rejects(
    pipeToOutput(body(), sink, { expected: null, digest: wrong, sender: "source" }),
    /digest mismatch: expected sha256:1{64}, got sha256:/,
  );
  assert.deepEqual([state.committed, state.aborted], [false, true]);
});

Deno.test("pipeToOutput() reports a broken body as a short transfer", async () => {
  const broken = () =>
    ReadableStream.from((async function* () {
      yield new Uint8Array(1000);
      throw new TypeError("error reading a body from connection");
    })());
  const a = memorySink();
  await assert.rejects(
    pipeToOutput(broken(), a.sink, { expected: 2000, digest: null, sender: "source" }),
    { message: "source sent 1000 bytes, expected 2000" },
  );
  assert.equal(a.state.aborted, true);
  const b = memorySink();
  await assert.rejects(
    pipeToOutput(broken(), b.sink, { expected: null, digest: null, sender: "agent" }),
    /agent broke off the transfer after 1000 bytes \(the connection broke\)/,
  );
});

Deno.test("pipeToOutput() rethrows the abort reason when cancelled", async () => {
  const { sink, state } = memorySink();
  const controller = new AbortController();
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new Uint8Array(10));
      controller.abort(new Error("interrupted"));
    },
  });
  await assert.rejects(
    pipeToOutput(endless, sink, {
      expected: null,
      digest: null,
      sender: "source",
      signal: controller.signal,
    }),
    { message: "interrupted" },
  );
  assert.equal(state.aborted, true);
});

Deno.test("pipeToOutput() takes the native path without a digest and checks the length after", async () => {
  const ok = memorySink(true);
  const seen: number[] = [];
  const n = await pipeToOutput(body(), ok.sink, {
    expected: 5,
    digest: null,
    sender: "source",
    onBytes: (b) => seen.push(b),
  });
  assert.equal(n, 5);
  assert.deepEqual(seen.at(-1), 5);
  assert.equal(ok.state.committed, true);
  const short = memorySink(true);
  await assert.rejects(
    pipeToOutput(body(), short.sink, { expected: 6, digest: null, sender: "source" }),
    { message: "source sent 5 bytes, expected 6" },
  );
  assert.deepEqual([short.state.committed, short.state.aborted], [false, true]);
});

Deno.test("pipeToOutput() on the native path tells read failures from write failures", async () => {
  const cut = () =>
    ReadableStream.from((async function* () {
      yield new Uint8Array(3);
      throw new TypeError("error reading a body from connection");
    })());
  const a = memorySink(true);
  await assert.rejects(
    pipeToOutput(cut(), a.sink, { expected: 10, digest: null, sender: "source" }),
    { message: "source sent 3 bytes, expected 10" },
  );
  const full: OutputSink = {
    ...memorySink(true).sink,
    native: new WritableStream({
      write() {
        throw new Error("No space left on device (os error 28)");
      },
    }),
  };
  await assert.rejects(
    pipeToOutput(body(), full, { expected: 5, digest: null, sender: "source" }),
    { message: "cannot write memory: no space left on the device" },
  );
});

Deno.test("pipeToOutput() hashes on the staged path even when a native sink exists", async () => {
  const { sink, state } = memorySink(true);
  await pipeToOutput(body(), sink, { expected: 5, digest, sender: "source" });
  assert.equal(state.committed, true);
});
