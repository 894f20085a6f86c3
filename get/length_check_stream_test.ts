import assert from "node:assert/strict";
import { LengthCheckStream } from "./length_check_stream.ts";

const body = (...sizes: number[]) => ReadableStream.from(sizes.map((n) => new Uint8Array(n)));
const drain = (s: ReadableStream<Uint8Array>) => s.pipeTo(new WritableStream());

Deno.test("LengthCheckStream() passes a body of the declared length", async () => {
  await drain(body(3, 4).pipeThrough(new LengthCheckStream({ expected: 7, sender: "source" })));
});

Deno.test("LengthCheckStream() names both counts when the body is short", async () => {
  await assert.rejects(
    drain(body(1000).pipeThrough(new LengthCheckStream({ expected: 2000, sender: "source" }))),
    { message: "source sent 1000 bytes, expected 2000" },
  );
});

Deno.test("LengthCheckStream() fails as soon as the body runs long", async () => {
  await assert.rejects(
    drain(body(4, 4).pipeThrough(new LengthCheckStream({ expected: 5, sender: "agent" }))),
    /agent sent more than the 5 bytes/,
  );
  assert.throws(() => new LengthCheckStream({ expected: -1, sender: "x" }), RangeError);
});
