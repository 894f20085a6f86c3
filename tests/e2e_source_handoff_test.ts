/**
 * End-to-end: a peer the tracker sent to the source (no seed was around)
 * steps back as soon as a seed fetches the same task, and takes the rest from
 * peers — so the origin sends about one copy plus what that peer had already
 * pulled, not two.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

Deno.test("source hand-off: a peer sent to the source steps back once a seed fetches", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "32MiB");
  const tracker = await startTracker(h);
  // Slow enough that the seed arrives while this peer is still on the source.
  const peer = await startAgent(h, "peer", tracker.url, "--download-limit", "6MiB");
  const out = await h.tempDir("dfly-out-");
  const peerGet = getVia(h, peer.url, origin.fileUrl, `${out}/peer.bin`);

  const deadline = Date.now() + 30_000;
  while (await origin.bytesSent() < 2 * 2 ** 20) {
    assert.ok(Date.now() < deadline, "the peer never started on the source");
    await new Promise((r) => setTimeout(r, 100));
  }
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const seedGet = await getVia(h, seed.url, origin.fileUrl, `${out}/seed.bin`);
  const peerResult = await peerGet;

  assert.equal(await sha256File(`${out}/peer.bin`), origin.sha256);
  assert.equal(await sha256File(`${out}/seed.bin`), origin.sha256);
  assert.ok(seedGet.from_source_bytes > 0, "the seed fetched from the origin");
  assert.match(peer.stderr(), /released us from the source/);
  assert.ok(peerResult.from_peers_bytes > 0, "the peer took the rest from the seed");
  const sent = await origin.bytesSent();
  assert.ok(
    sent < 1.75 * origin.size,
    `origin sent ${sent} bytes for a ${origin.size}-byte file (the peer kept going to the source)`,
  );
});
