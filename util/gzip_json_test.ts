import assert from "node:assert/strict";
import { acceptsGzip, GZIP_MIN_BYTES, gzipJson } from "./gzip_json.ts";

Deno.test("acceptsGzip() reads Accept-Encoding lists and q=0 refusals", () => {
  assert.equal(acceptsGzip("gzip, deflate, br"), true);
  assert.equal(acceptsGzip("br;q=1.0, GZIP;q=0.5"), true);
  assert.equal(acceptsGzip("*"), true);
  assert.equal(acceptsGzip("gzip;q=0"), false);
  assert.equal(acceptsGzip("br"), false);
  assert.equal(acceptsGzip(""), false);
  assert.equal(acceptsGzip(undefined), false);
});

Deno.test("gzipJson() compresses large bodies for callers that accept gzip, only them", async () => {
  const value = { parents: Array.from({ length: 40 }, (_, i) => ({ addr: `10.0.0.${i}:65002` })) };
  const json = JSON.stringify(value);
  assert.ok(json.length >= GZIP_MIN_BYTES);

  const zipped = gzipJson(value, "gzip, br");
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  assert.equal(zipped.headers.get("vary"), "accept-encoding");
  const bytes = new Uint8Array(await zipped.arrayBuffer());
  assert.ok(bytes.byteLength < json.length / 2, `${bytes.byteLength} bytes`);
  const text = await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  assert.deepEqual(JSON.parse(text), value);

  const plain = gzipJson(value, null);
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.deepEqual(await plain.json(), value);

  const small = gzipJson({ ok: true }, "gzip");
  assert.equal(small.headers.get("content-encoding"), null);
  assert.deepEqual(await small.json(), { ok: true });
});
