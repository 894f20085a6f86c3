/**
 * End-to-end: an origin, a tracker, a seed and six agents as real processes;
 * all six fetch a 64 MiB file at once. Every copy must be exact, the origin
 * must send about one copy, and most bytes must come from peers.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const AGENTS = 6;

Deno.test("swarm: 6 agents fetch 64 MiB at once, mostly from peers, origin sends ~1 copy", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "64MiB");
  const tracker = await startTracker(h);
  await startAgent(h, "seed", tracker.url, "--seed");
  const agents = await Promise.all(
    Array.from({ length: AGENTS }, (_, i) => startAgent(h, `agent-${i}`, tracker.url)),
  );
  const outDir = await h.tempDir("dfly-out-");
  const results = await Promise.all(
    agents.map((a, i) => getVia(h, a.url, origin.fileUrl, `${outDir}/out-${i}.bin`)),
  );
  for (let i = 0; i < AGENTS; i++) {
    assert.equal(await sha256File(`${outDir}/out-${i}.bin`), origin.sha256, `agent ${i} copy`);
    assert.equal(results[i].bytes, origin.size);
  }
  const sent = await origin.bytesSent();
  assert.ok(sent <= 1.1 * origin.size, `origin sent ${sent} bytes for a ${origin.size}-byte file`);
  const fromPeers = results.reduce((a, r) => a + r.from_peers_bytes, 0);
  const total = results.reduce((a, r) => a + r.from_peers_bytes + r.from_source_bytes, 0);
  assert.equal(total, AGENTS * origin.size);
  assert.ok(fromPeers >= total / 2, `only ${fromPeers} of ${total} bytes came from peers`);
});
