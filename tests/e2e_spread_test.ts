/**
 * End-to-end: a seed gives each piece to the swarm once before any piece
 * twice (agent/piece_spread.ts). Four agents start together on a file the
 * seed holds; the seed's link is the slow one, so without spreading they
 * would ask it for the same pieces at once. The seed's upload counter shows
 * about one copy, every copy is whole, and the refusals are counted.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";
import { parseMetrics, sumSamples } from "../util/metrics_parse.ts";

async function metric(
  agentUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${agentUrl}/metrics`)).text();
  return sumSamples(parseMetrics(text), name, labels);
}

/**
 * An origin serving `size`, a tracker, and a seed started with `seedArgs`
 * that already holds the whole file; `taskId` is the file's task.
 */
async function seededSwarm(h: Harness, size: string, ...seedArgs: string[]) {
  const origin = await startOrigin(h, size);
  const tracker = await startTracker(h);
  const seed = await startAgent(h, "seed", tracker.url, "--seed", ...seedArgs);
  const out = await h.tempDir("dfly-out-");
  const got = await getVia(h, seed.url, origin.fileUrl, `${out}/seed.bin`);
  return { origin, tracker, seed, out, taskId: got.task_id };
}

Deno.test("seed spread: four agents at once get about one copy out of the seed", async () => {
  await using h = new Harness();
  const { origin, tracker, seed, out } = await seededSwarm(h, "48MiB", "--upload-limit", "12MiB");
  const agents = await Promise.all(
    [1, 2, 3, 4].map((i) => startAgent(h, `agent${i}`, tracker.url)),
  );
  const results = await Promise.all(
    agents.map((a, i) => getVia(h, a.url, origin.fileUrl, `${out}/${i}.bin`)),
  );
  for (let i = 0; i < agents.length; i++) {
    assert.equal(await sha256File(`${out}/${i}.bin`), origin.sha256);
    assert.equal(results[i].from_source_bytes, 0, "nothing from the origin");
  }
  assert.equal(await origin.bytesSent(), origin.size, "the origin sent one copy, to the seed");
  const uploaded = await metric(seed.url, "dfly_agent_upload_bytes_total");
  const refused = await metric(seed.url, "dfly_agent_spread_refused_total");
  const deferred = (await Promise.all(
    agents.map((a) => metric(a.url, "dfly_agent_spread_deferred_total", { parent: "seed" })),
  )).reduce((a, b) => a + b, 0);
  assert.ok(refused > 0, "the seed held pieces back");
  assert.equal(deferred, refused, "every refusal reached a downloader as a deferral");
  assert.ok(
    uploaded <= 1.3 * origin.size,
    `the seed uploaded ${(uploaded / origin.size).toFixed(2)} copies`,
  );
  // Deferrals are not failures: the tracker heard of none.
  for (const a of agents) assert.doesNotMatch(a.stderr(), /piece from parent failed/);
});

Deno.test("upload slots: a request past --upload-slots is told to come back, not failed", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "8MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(
    h,
    "agent",
    tracker.url,
    "--upload-slots",
    "1",
    "--upload-limit",
    "1MiB",
  );
  const out = await h.tempDir("dfly-out-");
  const got = await getVia(h, agent.url, origin.fileUrl, `${out}/a.bin`);
  const first = await fetch(`${agent.url}/api/v1/pieces/${got.task_id}/0`);
  assert.equal(first.status, 200);
  const second = await fetch(`${agent.url}/api/v1/pieces/${got.task_id}/1`);
  assert.equal(second.status, 429);
  assert.equal((await second.json()).code, "uploads_busy");
  assert.match(second.headers.get("x-dfly-retry-ms") ?? "", /^\d+$/);
  await first.body!.cancel();
  assert.equal(await metric(agent.url, "dfly_agent_uploads_busy_total"), 1);
});

Deno.test("HEAD of a piece takes no upload slot", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "8MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url, "--upload-slots", "1");
  const out = await h.tempDir("dfly-out-");
  const got = await getVia(h, agent.url, origin.fileUrl, `${out}/a.bin`);
  for (let i = 0; i < 3; i++) {
    const head = await fetch(`${agent.url}/api/v1/pieces/${got.task_id}/0`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(4 * 2 ** 20));
    await head.body?.cancel();
  }
  const piece = await fetch(`${agent.url}/api/v1/pieces/${got.task_id}/1`);
  assert.equal(piece.status, 200);
  assert.equal((await piece.arrayBuffer()).byteLength, 4 * 2 ** 20);
  assert.equal(await metric(agent.url, "dfly_agent_active_uploads"), 0);
});

Deno.test("seed spread: a refusal names the peer that had the whole piece, as its request named it", async () => {
  await using h = new Harness();
  const { seed, taskId } = await seededSwarm(h, "8MiB", "--seed-spread", "30s");
  const piece = `${seed.url}/api/v1/pieces/${taskId}/0`;
  const first = "0123456789abcdef0123456789abcdef 127.0.0.1:40001";
  const whole = await fetch(piece, { headers: { "x-dfly-peer": first } });
  assert.equal(whole.status, 200);
  assert.equal((await whole.arrayBuffer()).byteLength, 4 * 2 ** 20);

  // Later askers are sent to that peer (once the bytes have had time to land).
  let named: string | null = null;
  for (let i = 0; i < 50 && named === null; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const again = await fetch(piece, {
      headers: { "x-dfly-peer": "fedcba9876543210fedcba9876543210 127.0.0.1:40002" },
    });
    assert.equal(again.status, 429);
    assert.equal((await again.json()).code, "piece_spread");
    named = again.headers.get("x-dfly-holder");
  }
  assert.equal(named, first);

  // A malformed name is dropped, not repeated to others.
  const piece1 = `${seed.url}/api/v1/pieces/${taskId}/1`;
  const odd = await fetch(piece1, { headers: { "x-dfly-peer": "not a peer" } });
  assert.equal(odd.status, 200);
  await odd.arrayBuffer();
  await new Promise((r) => setTimeout(r, 200));
  const after = await fetch(piece1);
  assert.equal(after.status, 429);
  await after.body?.cancel();
  assert.equal(after.headers.get("x-dfly-holder"), null);
});

Deno.test("seed spread: a downloader after the first one left is not sent to it for every piece", async () => {
  await using h = new Harness();
  const { origin, tracker, seed, out } = await seededSwarm(h, "64MiB", "--seed-spread", "200ms");
  const first = await startAgent(h, "first", tracker.url);
  await getVia(h, first.url, origin.fileUrl, `${out}/first.bin`);
  // The seed knows `first` as the holder of all 16 pieces; then it leaves.
  await first.kill();
  await new Promise((r) => setTimeout(r, 400)); // past the hold
  const before = await metric(seed.url, "dfly_agent_spread_refused_total");
  const later = await startAgent(h, "later", tracker.url);
  const got = await getVia(h, later.url, origin.fileUrl, `${out}/later.bin`);
  assert.equal(await sha256File(`${out}/later.bin`), origin.sha256);
  assert.equal(got.from_source_bytes, 0);
  // `later` could not reach the holder the seed named, so it asked the seed
  // for that piece again at once; the seed then stopped naming the gone holder.
  const refused = await metric(seed.url, "dfly_agent_spread_refused_total") - before;
  assert.ok(refused <= 3, `the seed refused ${refused} requests of 16 pieces`);
  assert.equal(await metric(seed.url, "dfly_agent_pieces_uploaded_total"), 32);
});
