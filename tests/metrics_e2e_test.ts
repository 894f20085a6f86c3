/**
 * @module metrics_e2e_test — a real swarm (origin, tracker, seed, two agents,
 * all with a token) scraped before and after two downloads: the byte
 * counters move by exactly the file size split between peers and source,
 * the tracker's counters and overview agree, and the JSON log carries the
 * download summary line.
 */
import assert from "node:assert/strict";
import { parseMetrics, type Sample, sumSamples } from "../util/metrics_parse.ts";
import { TOKEN_HEADER } from "../wire.ts";
import type { Overview } from "../wire.ts";
import { Harness } from "./_harness.ts";
import { getVia, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const TOKEN = "metrics-test-token";

async function scrape(base: string): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

function delta(before: Sample[], after: Sample[], name: string, labels = {}): number {
  return sumSamples(after, name, labels) - sumSamples(before, name, labels);
}

Deno.test({
  name: "metrics: counters move by the file size split between peers and source",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using h = new Harness();
    const origin = await startOrigin(h, "24MiB");
    const tracker = await startTracker(h, "--token", TOKEN, "--peer-ttl", "3s");
    const token = ["--token", TOKEN];
    const seed = await startAgent(h, "seed", tracker.url, "--seed", ...token);
    const a = await startAgent(h, "a", tracker.url, "--log-format", "json", ...token);
    // b has a download limit, so its transfers wait for the bucket now and then.
    const b = await startAgent(h, "b", tracker.url, "--download-limit", "10MiB", ...token);
    const agents = [seed, a, b];

    // Without the token /metrics is closed like every other route.
    assert.equal((await fetch(`${a.url}/metrics`)).status, 401);
    const wrong = await fetch(`${tracker.url}/metrics`, {
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    const before = await Promise.all(agents.map((p) => scrape(p.url)));
    const trackerBefore = await scrape(tracker.url);
    const out = await h.tempDir();
    const gotA = await getVia(h, a.url, origin.fileUrl, `${out}/a`, ...token);
    const gotB = await getVia(h, b.url, origin.fileUrl, `${out}/b`, ...token);
    const after = await Promise.all(agents.map((p) => scrape(p.url)));

    const bytes = (i: number, origin: string) =>
      delta(before[i], after[i], "dfly_agent_download_bytes_total", { origin });
    for (const [i, got] of [[1, gotA], [2, gotB]] as const) {
      assert.equal(bytes(i, "peer"), got.from_peers_bytes, `agent ${i} peer bytes`);
      assert.equal(bytes(i, "source"), got.from_source_bytes, `agent ${i} source bytes`);
      assert.equal(bytes(i, "peer") + bytes(i, "source"), origin.size);
      assert.equal(delta(before[i], after[i], "dfly_agent_pieces_verified_total"), 6);
      assert.equal(delta(before[i], after[i], "dfly_agent_downloads_total", { result: "done" }), 1);
      assert.equal(delta(before[i], after[i], "dfly_agent_download_duration_seconds_count"), 1);
      assert.equal(sumSamples(after[i], "dfly_agent_cache_bytes"), origin.size);
    }
    // The seed fetched the whole file too (from the source, triggered by the tracker).
    assert.equal(bytes(0, "peer") + bytes(0, "source"), origin.size);
    // Every verified source byte left the origin; every peer byte was uploaded by someone.
    const fromSource = [0, 1, 2].reduce((n, i) => n + bytes(i, "source"), 0);
    const fromPeers = [0, 1, 2].reduce((n, i) => n + bytes(i, "peer"), 0);
    const uploaded = [0, 1, 2].reduce(
      (n, i) => n + delta(before[i], after[i], "dfly_agent_upload_bytes_total"),
      0,
    );
    assert.ok(fromSource <= await origin.bytesSent(), "source bytes ≤ origin egress");
    assert.ok(fromPeers > 0 && uploaded >= fromPeers, `uploaded ${uploaded} ≥ ${fromPeers}`);
    assert.ok(
      uploaded <= fromPeers + origin.size,
      "uploads beyond verified peer bytes are only endgame duplicates",
    );
    const waits = (i: number) =>
      delta(before[i], after[i], "dfly_agent_rate_limit_waits_total", { direction: "download" });
    assert.equal(waits(1), 0, "a is unlimited");
    assert.ok(waits(2) > 0, "b waited for its limit");
    assert.ok(
      delta(before[2], after[2], "dfly_agent_rate_limit_wait_seconds_total", {
        direction: "download",
      }) > 0.1,
    );
    assert.equal(sumSamples(after[1], "dfly_agent_active_tasks"), 0);
    assert.equal(sumSamples(after[1], "dfly_build_info", { role: "agent" }), 1);

    const t = await scrape(tracker.url);
    const announces = delta(trackerBefore, t, "dfly_tracker_announces_total");
    assert.ok(announces >= 3, `announces ${announces}`);
    assert.equal(sumSamples(t, "dfly_tracker_announce_duration_seconds_count"), announces);
    assert.equal(
      sumSamples(t, "dfly_tracker_announce_duration_seconds_bucket", { le: "+Inf" }),
      announces,
    );
    assert.ok(sumSamples(t, "dfly_tracker_parents_handed_out_total") > 0);
    assert.equal(sumSamples(t, "dfly_tracker_tasks"), 1);
    assert.equal(sumSamples(t, "dfly_tracker_hosts"), 3);
    assert.equal(sumSamples(t, "dfly_tracker_db_errors_total"), 0);
    assert.ok(sumSamples(t, "dfly_tracker_heartbeats_total") >= 3);

    // Heartbeats (every second with --peer-ttl 3s) bring the agents' counters to the overview.
    let overview: Overview | null = null;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${tracker.url}/api/v1/overview`, {
        headers: { [TOKEN_HEADER]: TOKEN },
      });
      overview = await res.json() as Overview;
      const o = overview.totals;
      if (o.fromPeers === fromPeers && o.fromSource === fromSource) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(overview);
    assert.equal(overview.totals.fromPeers, fromPeers);
    assert.equal(overview.totals.fromSource, fromSource);
    assert.equal(overview.totals.offload, fromPeers / (fromPeers + fromSource));
    assert.equal(overview.tasks.length, 1);
    assert.equal(overview.tasks[0].progress, 1);
    assert.equal(overview.hosts.length, 3);

    // After a restart on the same data dir, asking again is a cache hit, not a transfer.
    await b.kill("SIGKILL");
    const b2 = await h.spawn("b2", [
      "agent",
      "--listen",
      "127.0.0.1:0",
      "--tracker",
      tracker.url,
      "--data-dir",
      b.dataDir,
      ...token,
    ]);
    const again = await getVia(h, b2.url, origin.fileUrl, `${out}/b2`, ...token);
    assert.equal(again.from_peers_bytes + again.from_source_bytes, 0);
    const m2 = await scrape(b2.url);
    assert.equal(sumSamples(m2, "dfly_agent_downloads_total", { result: "cached" }), 1);
    assert.equal(sumSamples(m2, "dfly_agent_downloads_total", { result: "done" }), 0);
    assert.equal(sumSamples(m2, "dfly_agent_download_duration_seconds_count"), 0);
    assert.equal(sumSamples(m2, "dfly_agent_download_bytes_total"), 0);
    assert.equal(sumSamples(m2, "dfly_agent_cache_bytes"), origin.size);

    // Agent a logs in JSON: one object per line (lines not starting with "{" come from
    // the runtime itself, e.g. "Blocking waiting for file lock" under parallel tests).
    const lines = a.stderr().trim().split("\n").filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.event === "listening" && l.url === a.url));
    const summary = lines.find((l) => l.event === "download finished");
    assert.ok(summary, a.stderr());
    assert.equal(summary.level, "info");
    assert.equal(summary.role, "agent");
    assert.equal(summary.task, gotA.task_id);
    assert.equal(summary.bytes, origin.size);
    assert.equal(summary.from_peers, gotA.from_peers_bytes);
    assert.equal(summary.from_source, gotA.from_source_bytes);
    assert.equal(summary.parents > 0, gotA.from_peers_bytes > 0);
    assert.ok(Number(summary.seconds) > 0);
  },
});
