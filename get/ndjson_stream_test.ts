import assert from "node:assert/strict";
import { NdjsonStream } from "./ndjson_stream.ts";

const bytes = (...parts: string[]) =>
  ReadableStream.from(parts.map((p) => new TextEncoder().encode(p)));

Deno.test("NdjsonStream() joins lines split across chunks and skips blank ones", async () => {
  const values = await Array.fromAsync(
    bytes('{"type":"pro', 'gress"}\n\n', '{"n":1}\n{"n":', "2}").pipeThrough(new NdjsonStream()),
  );
  assert.deepEqual(values, [{ type: "progress" }, { n: 1 }, { n: 2 }]);
});

Deno.test("NdjsonStream() keeps multi-byte characters split across chunks", async () => {
  const all = new TextEncoder().encode('{"s":"→"}\n');
  const stream = ReadableStream.from([all.slice(0, 7), all.slice(7)]);
  assert.deepEqual(await Array.fromAsync(stream.pipeThrough(new NdjsonStream())), [{ s: "→" }]);
});

Deno.test("NdjsonStream() errors on malformed and oversized lines", async () => {
  await assert.rejects(
    Array.fromAsync(bytes("{oops}\n").pipeThrough(new NdjsonStream())),
    SyntaxError,
  );
  await assert.rejects(
    Array.fromAsync(bytes("x".repeat(100)).pipeThrough(new NdjsonStream({ maxLine: 10 }))),
    RangeError,
  );
});
