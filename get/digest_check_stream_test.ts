import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DigestCheckStream } from "./digest_check_stream.ts";

const data = new TextEncoder().encode("hello dfly");
const good = `sha256:${createHash("sha256").update(data).digest("hex")}`;
const run = (digest: string) =>
  ReadableStream.from([data.slice(0, 4), data.slice(4)])
    .pipeThrough(new DigestCheckStream(digest))
    .pipeTo(new WritableStream());

Deno.test("DigestCheckStream() passes bytes that match", async () => {
  await run(good);
});

Deno.test("DigestCheckStream() fails in flush with both digests in the message", async () => {
  const wrong = `sha256:${"0".repeat(64)}`;
  await assert.rejects(run(wrong), { message: `digest mismatch: expected ${wrong}, got ${good}` });
});

Deno.test("DigestCheckStream() refuses a malformed digest", () => {
  assert.throws(() => new DigestCheckStream("md5:abc"), RangeError);
});
