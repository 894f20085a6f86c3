/**
 * End-to-end checks of scripts/origin.ts: Range, HEAD, 404, 416, /_stats and
 * --require-header, in-process through startOrigin and as a child process.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type Origin, parseRange, startOrigin } from "../scripts/origin.ts";
import type { Logger } from "../util/log.ts";
import { Harness } from "./_harness.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function withOrigin(
  fn: (origin: Origin, content: Uint8Array) => Promise<void>,
  extra: { requireHeader?: [string, string]; size?: number } = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "dfly-origin-test-" });
  // 600 kB by default, more than two of the origin's read chunks; random in 64 KiB calls.
  const big = new Uint8Array(extra.size ?? 600_000);
  for (let at = 0; at < big.length; at += 65536) {
    crypto.getRandomValues(big.subarray(at, Math.min(big.length, at + 65536)));
  }
  const file = join(dir, "blob.bin");
  await Deno.writeFile(file, big);
  const origin = await startOrigin({ file, log: quiet, requireHeader: extra.requireHeader });
  try {
    await fn(origin, big);
  } finally {
    await origin.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

Deno.test("parseRange() reads single ranges and flags unsatisfiable ones", () => {
  assert.deepEqual(parseRange("bytes=0-99", 1000), { start: 0, end: 100 });
  assert.deepEqual(parseRange("bytes=500-", 1000), { start: 500, end: 1000 });
  assert.deepEqual(parseRange("bytes=900-5000", 1000), { start: 900, end: 1000 });
  assert.deepEqual(parseRange("bytes=-100", 1000), { start: 900, end: 1000 });
  assert.deepEqual(parseRange("bytes=-5000", 1000), { start: 0, end: 1000 });
  assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
  for (const ignored of [null, "bytes=5-2", "items=0-1", "bytes=0-1,4-5", "bytes=-"]) {
    assert.equal(parseRange(ignored, 1000), null, String(ignored));
  }
});

Deno.test("origin serves the whole file with length, ETag and Last-Modified", () =>
  withOrigin(async (origin, content) => {
    assert.equal(origin.fileUrl, `${origin.url}/blob.bin`);
    assert.equal(origin.sha256, createHash("sha256").update(content).digest("hex"));
    const res = await fetch(origin.fileUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(content.length));
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    assert.match(res.headers.get("etag") ?? "", /^"[0-9a-f]{32}"$/);
    assert.ok(res.headers.get("last-modified"));
    assert.deepEqual(await bytes(res), content);
  }));

Deno.test("origin answers Range with 206 and Content-Range, and 416 past the end", () =>
  withOrigin(async (origin, content) => {
    const part = await fetch(origin.fileUrl, { headers: { range: "bytes=300000-300009" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 300000-300009/${content.length}`);
    assert.equal(part.headers.get("content-length"), "10");
    assert.deepEqual(await bytes(part), content.slice(300000, 300010));
    const tail = await fetch(origin.fileUrl, { headers: { range: "bytes=-7" } });
    assert.deepEqual(await bytes(tail), content.slice(-7));
    const bad = await fetch(origin.fileUrl, { headers: { range: `bytes=${content.length}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get("content-range"), `bytes */${content.length}`);
    await bad.body?.cancel();
    // A stale If-Range gets the whole file.
    const stale = await fetch(origin.fileUrl, {
      headers: { range: "bytes=0-0", "if-range": '"old"' },
    });
    assert.equal(stale.status, 200);
    await stale.body?.cancel();
  }));

Deno.test("origin answers HEAD without a body, 404 elsewhere, and counts in /_stats", () =>
  withOrigin(async (origin, content) => {
    const head = await fetch(origin.fileUrl, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(content.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const missing = await fetch(`${origin.url}/other.bin`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    await bytes(await fetch(origin.fileUrl, { headers: { range: "bytes=0-999" } }));
    const stats = await (await fetch(`${origin.url}/_stats`)).json();
    assert.deepEqual(stats, { bytesSent: 1000, requests: 2 });
  }));

Deno.test("origin counts only the bytes a client actually pulled", () =>
  withOrigin(async (origin, content) => {
    const res = await fetch(origin.fileUrl);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 100));
    const { bytesSent } = origin.stats();
    // Socket buffers hold a few MiB at most; the rest of the 64 MiB must stay unread.
    assert.ok(bytesSent > 0 && bytesSent < content.length / 2, `bytesSent ${bytesSent}`);
  }, { size: 64 * 2 ** 20 }));

Deno.test("origin --require-header answers 401 without the header", () =>
  withOrigin(async (origin) => {
    const denied = await fetch(origin.fileUrl);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const ok = await fetch(origin.fileUrl, { headers: { "x-secret": "42" } });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  }, { requireHeader: ["X-Secret", "42"] }));

Deno.test("origin.ts runs as a script with --size and prints size and sha256", async () => {
  await using h = new Harness();
  const dir = await h.tempDir();
  const proc = await h.spawn("origin", ["scripts/origin.ts", "--size", "1MiB", "--dir", dir]);
  const m = /origin file url=(\S+) path=\S+ size=(\d+) sha256=([0-9a-f]{64})/.exec(proc.stderr());
  assert.ok(m, proc.stderr());
  assert.equal(m[1], `${proc.url}/file.bin`);
  assert.equal(Number(m[2]), 2 ** 20);
  const body = await bytes(await fetch(m[1]));
  assert.equal(createHash("sha256").update(body).digest("hex"), m[3]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["file.bin"]);
});
