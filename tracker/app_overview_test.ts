import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { parseMetrics, sumSamples } from "../util/metrics_parse.ts";
import type { Overview, PieceMap } from "../wire.ts";
import { announce, digest, host, TASK, TestTracker } from "./_test_utils.ts";

const PIECES = 20;
const LENGTH = PIECES * 4 * 2 ** 20;

async function seededTask(t: TestTracker): Promise<void> {
  const res = await t.post(
    "/api/v1/announce",
    announce(host(1, { seed: true }), {
      have: Array.from({ length: PIECES }, (_, i) => i),
      source: {
        length: LENGTH,
        etag: null,
        lastModified: null,
        digests: Array.from({ length: PIECES }, (_, i) => [i, digest(i)] as [number, string]),
      },
      done: true,
    }),
  );
  assert.equal(res.status, 200);
}

Deno.test("piece map and overview stay small and right with 1,000 peers on a task", async () => {
  await using t = await TestTracker.open({ token: "tk" });
  await seededTask(t);
  let held = PIECES;
  for (let n = 2; n <= 1001; n++) {
    const have = Array.from({ length: n % (PIECES + 1) }, (_, i) => i);
    held += have.length;
    const res = await t.post("/api/v1/announce", announce(host(n), { have }));
    assert.equal(res.status, 200);
  }
  const res = await t.request("GET", `/api/v1/tasks/${TASK.id}/pieces`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(text.length < 8_000, `piece map is ${text.length} bytes`);
  const map = JSON.parse(text) as PieceMap;
  assert.deepEqual([map.peers, map.rows, map.cols, map.pieceCount], [1001, 64, PIECES, PIECES]);
  assert.equal(Buffer.from(map.cells, "base64").length, 64 * PIECES);
  // Piece 19 is held by the seed and by the peers with n % 21 === 20.
  const holders19 = 1 +
    Array.from({ length: 1000 }, (_, i) => i + 2).filter((n) => n % 21 === 20).length;
  assert.equal(map.availability[PIECES - 1], holders19);
  assert.equal(map.rowLabels[0], "16 peers");

  const small = await t.get<PieceMap>(`/api/v1/tasks/${TASK.id}/pieces?rows=2&cols=5`);
  assert.deepEqual([small.body.rows, small.body.cols], [2, 5]);
  const bad = await t.get<{ error: string }>(`/api/v1/tasks/${TASK.id}/pieces?rows=0`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, "rows must be an integer from 1 to 1024");

  const { body: o } = await t.get<Overview>("/api/v1/overview");
  assert.equal(o.tasks.length, 1);
  assert.equal(o.tasks[0].peers, 1001);
  assert.equal(o.tasks[0].progress, held / (1001 * PIECES));
  assert.equal(o.hosts.length, 1001);
  assert.equal(o.hostCount, 1001);
  const { body: top } = await t.get<Overview>("/api/v1/overview?hosts=50");
  assert.deepEqual([top.hosts.length, top.hostCount, top.tasks[0].peers], [50, 1001, 1001]);
  assert.equal((await t.get("/api/v1/overview?hosts=0")).status, 400);
});

Deno.test("heartbeat byte counters become host rates and the swarm's offload", async () => {
  await using t = await TestTracker.open();
  const stats = (fromPeers: number, fromSource: number, uploaded: number) => ({
    fromPeers,
    fromSource,
    uploaded,
  });
  // An agent without stats (older version) is still welcome.
  assert.equal((await t.post("/api/v1/heartbeat", { host: host(3), tasks: null })).status, 200);
  await t.post("/api/v1/heartbeat", { host: host(1), tasks: null, stats: stats(0, 100, 0) });
  await t.post("/api/v1/heartbeat", { host: host(2), tasks: null, stats: stats(0, 0, 0) });
  t.time += 2000;
  await t.post("/api/v1/heartbeat", { host: host(1), tasks: null, stats: stats(0, 100, 4000) });
  await t.post("/api/v1/heartbeat", { host: host(2), tasks: null, stats: stats(3000, 1000, 0) });
  const { body: o } = await t.get<Overview>("/api/v1/overview");
  const byId = new Map(o.hosts.map((h) => [h.id, h]));
  assert.deepEqual(
    [byId.get(host(1).id)!.upRate, byId.get(host(1).id)!.downRate],
    [2000, 0],
  );
  assert.equal(byId.get(host(2).id)!.downRate, 2000);
  assert.equal(byId.get(host(3).id)!.fromPeers, 0);
  assert.deepEqual(o.totals, {
    fromPeers: 3000,
    fromSource: 1100,
    uploaded: 4000,
    offload: 3000 / 4100,
  });
  const bad = await t.post<{ error: string }>("/api/v1/heartbeat", {
    host: host(1),
    tasks: null,
    stats: { fromPeers: -1, fromSource: 0, uploaded: 0 },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /heartbeat\.stats\.fromPeers must be an integer/);

  const metrics = parseMetrics(await (await t.request("GET", "/metrics")).text());
  assert.equal(sumSamples(metrics, "dfly_tracker_heartbeats_total"), 5);
  assert.equal(sumSamples(metrics, "dfly_tracker_swarm_download_bytes", { origin: "peer" }), 3000);
});

Deno.test("with --token the dashboard page is open but its data and /metrics are not", async () => {
  await using t = await TestTracker.open({ token: "tk" });
  const page = await t.app.request("/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(await page.text(), /<title>dfly swarm<\/title>/);
  for (const path of ["/api/v1/overview", "/metrics", `/api/v1/tasks/${TASK.id}/pieces`]) {
    const res = await t.app.request(path);
    assert.equal(res.status, 401, path);
    await res.body?.cancel();
  }
  const scraped = await t.app.request("/metrics", { headers: { authorization: "Bearer tk" } });
  assert.equal(scraped.status, 200);
  assert.match(await scraped.text(), /# TYPE dfly_tracker_announces_total counter/);
});
