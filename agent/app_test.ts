import assert from "node:assert/strict";
import { PieceStore } from "../storage/piece_store.ts";
import { serveApp } from "../util/http.ts";
import { createLogger, setLogLevel } from "../util/log.ts";
import { createAgentApp } from "./app.ts";
import { DEFAULT_DOWNLOAD_CONFIG } from "./download.ts";
import { fetchPiece } from "./peer_fetch.ts";
import { TaskManager } from "./task_manager.ts";
import { TokenBucket } from "./token_bucket.ts";

setLogLevel("error");
const log = createLogger("test");
const ID = "ab".repeat(32);

async function setup(token: string | null = null) {
  const dir = await Deno.makeTempDir();
  const store = await PieceStore.open(dir, { log });
  const task = await store.create({
    id: ID,
    url: "http://origin/f",
    tag: "",
    length: 5 * 2 ** 20,
    pieceSize: 4 * 2 ** 20,
    etag: null,
    lastModified: null,
  });
  const bytes = new Uint8Array(2 ** 20).fill(3);
  task.writeAt(4 * 2 ** 20, bytes);
  task.markVerified(1, "d".repeat(64));
  const manager = new TaskManager({
    store,
    tracker: null,
    host: () => ({ id: store.hostId, addr: "127.0.0.1:1", idc: "", seed: false, uploads: 0 }),
    limiter: new TokenBucket(0),
    log,
    config: DEFAULT_DOWNLOAD_CONFIG,
    random: Math.random,
    now: () => performance.now(),
    fetchPiece,
  });
  const app = createAgentApp({
    store,
    manager,
    uploadLimit: new TokenBucket(0),
    token,
    log,
    seed: false,
    uploads: { count: 0 },
    now: () => performance.now(),
  });
  return {
    app,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("agent app serves a verified piece with its length", async () => {
  await using s = await setup();
  const res = await s.app.request(`/api/v1/pieces/${ID}/1`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), String(2 ** 20));
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(body.length, 2 ** 20);
  assert.ok(body.every((b) => b === 3));
});

/** Piece 1 rewritten with a pattern that differs per 256 KiB chunk, so a lost or reused chunk shows. */
function rewritePiece1(store: PieceStore): Uint8Array {
  const bytes = new Uint8Array(2 ** 20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >>> 12)) & 0xff;
  store.require(ID).writeAt(4 * 2 ** 20, bytes);
  return bytes;
}

Deno.test("agent app behind Deno.serve sends exact piece bytes with chunks released on pull", async () => {
  await using s = await setup();
  const bytes = rewritePiece1(s.store);
  const server = serveApp(s.app, { listen: "127.0.0.1:0", log });
  try {
    const url = `${server.url}/api/v1/pieces/${ID}/1`;
    for (let round = 0; round < 3; round++) {
      const bodies = await Promise.all(
        Array.from(
          { length: 8 },
          async () => new Uint8Array(await (await fetch(url)).arrayBuffer()),
        ),
      );
      for (const body of bodies) assert.deepEqual(body, bytes);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("agent app releases piece chunks on pull only for Deno.serve callers", async () => {
  await using s = await setup();
  const bytes = rewritePiece1(s.store);
  const firstTwo = async (env?: object) => {
    const res = await s.app.request(`/api/v1/pieces/${ID}/1`, undefined, env);
    const reader = res.body!.getReader();
    const first = (await reader.read()).value!;
    assert.deepEqual(first, bytes.subarray(0, first.byteLength));
    await reader.read();
    await reader.cancel();
    return first.byteLength;
  };
  // In process (no env), chunks stay the caller's.
  assert.equal(await firstTwo(), 256 * 1024);
  // With the env serveApp passes, the first chunk is let go of once the second is read.
  assert.equal(
    await firstTwo({ remoteAddr: { hostname: "127.0.0.1", port: 1, transport: "tcp" } }),
    0,
  );
});

Deno.test("agent app refuses bad ids, bad indexes, unknown tasks and unverified pieces", async () => {
  await using s = await setup();
  const cases: [string, number][] = [
    [`/api/v1/pieces/${ID}/0`, 404], // not verified
    [`/api/v1/pieces/${ID}/2`, 404], // past the end
    [`/api/v1/pieces/${ID}/-1`, 400],
    [`/api/v1/pieces/${ID}/1e3`, 400],
    [`/api/v1/pieces/${ID}/99999999999999`, 400],
    [`/api/v1/pieces/${"cd".repeat(32)}/0`, 404],
    [`/api/v1/pieces/${ID.toUpperCase()}/0`, 400],
    ["/api/v1/pieces/..%2F..%2Fetc%2Fpasswd/0", 400],
    ["/api/v1/pieces/%2Fetc%2Fpasswd/0", 400],
    ["/api/v1/pieces/../../etc/passwd", 404],
    [`/api/v1/tasks/${"x".repeat(64)}`, 400],
    [`/api/v1/tasks/${"cd".repeat(32)}`, 404],
  ];
  for (const [path, status] of cases) {
    const res = await s.app.request(path);
    assert.equal(res.status, status, path);
    const body = await res.json();
    assert.equal(typeof body.error, "string", path);
    assert.ok(!body.error.includes("\n"), path);
  }
});

Deno.test("agent app only takes downloads from loopback callers and checks bodies", async () => {
  await using s = await setup();
  const post = (body: string, addr: string) =>
    s.app.request("/api/v1/downloads", { method: "POST", body }, {
      remoteAddr: { hostname: addr, port: 1, transport: "tcp" },
    });
  const ok = JSON.stringify({
    url: "http://127.0.0.1:1/f",
    tag: "",
    filter: [],
    headers: [],
    digest: null,
    output: "relative/path",
  });
  assert.equal((await post(ok, "10.1.2.3")).status, 403);
  assert.equal((await post("{not json", "127.0.0.1")).status, 400);
  assert.equal((await post(ok, "127.0.0.1")).status, 400); // output must be absolute
  assert.equal((await post(JSON.stringify({ url: "file:///etc/passwd" }), "::1")).status, 400);
  assert.equal((await post("x".repeat(2 << 20), "127.0.0.1")).status, 413);
  for (const progressMs of [5, 60_001, "1000", 1.5]) {
    const body = JSON.stringify({ ...JSON.parse(ok), output: "/tmp/x", progressMs });
    const res = await post(body, "127.0.0.1");
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /progressMs must be an integer from 100 to 60000/);
  }
});

Deno.test("agent app requires the token when one is set, except for /healthz", async () => {
  await using s = await setup("s3cret");
  assert.equal((await s.app.request(`/api/v1/pieces/${ID}/1`)).status, 401);
  const ok = await s.app.request(`/api/v1/pieces/${ID}/1`, {
    headers: { "x-dfly-token": "s3cret" },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  assert.equal((await s.app.request("/healthz")).status, 200);
});

Deno.test("agent app refuses seed triggers unless it is a seed", async () => {
  await using s = await setup();
  const res = await s.app.request("/api/v1/seed", {
    method: "POST",
    body: JSON.stringify({ taskId: ID, url: "http://127.0.0.1:1/f", tag: "" }),
  });
  assert.equal(res.status, 403);
});
