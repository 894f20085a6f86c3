/**
 * End-to-end preheat with real processes: `dfly preheat URL` has the seed
 * fetch the file once, a second preheat is a no-op, and a later `dfly get`
 * costs the origin nothing more; `--image` against a real docker-registry
 * preheats the config and every layer, each leaving the registry once.
 */
import assert from "node:assert/strict";
import { rendezvousOrder } from "../agent/rendezvous.ts";
import { blobTaskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { makeImage, pushImage, registrySkipReason, startRegistry } from "./_registry.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

function lines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

Deno.test("dfly preheat URL: the seed fetches once, again is a no-op, a later get adds no origin egress", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "10MiB");
  const lonely = await startTracker(h);
  const none = await h.run("preheat", ["preheat", origin.fileUrl, "--tracker", lonely.url]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^dfly preheat: tracker: No seed agent is connected/);
  assert.equal(none.stderr.trim().split("\n").length, 1);

  const tracker = await startTracker(h);
  await startAgent(h, "seed", tracker.url, "--seed");
  const agent = await startAgent(h, "agent", tracker.url);
  // The seed must have said hello before the tracker can pick it.
  let first = { code: 1, stdout: "", stderr: "" };
  for (let i = 0; i < 50; i++) {
    first = await h.run("preheat", ["preheat", origin.fileUrl, "--tracker", tracker.url, "--json"]);
    if (first.code === 0 || !/No seed agent/.test(first.stderr)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(first.code, 0, first.stderr);
  const [held] = lines(first.stdout);
  const id = String(held.taskId);
  assert.equal(held.status, "started");
  assert.equal(held.length, origin.size);
  assert.equal(await origin.bytesSent(), origin.size, "one copy left the origin");

  // Again, through a tracker list whose first choice for this task is down: it fails over.
  let dead = "";
  while (!dead || rendezvousOrder(id, [dead, tracker.url])[0] !== dead) {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    dead = `http://127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
    l.close(); // nothing listens there now
  }
  const again = await h.run("preheat", [
    "preheat",
    origin.fileUrl,
    "--tracker",
    `${dead},${tracker.url}`,
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already held/);
  assert.match(again.stdout, /^already held {2}[0-9a-f]{12} {2}10\.0 MiB/);
  assert.equal(await origin.bytesSent(), origin.size);

  const out = `${await h.tempDir()}/got.bin`;
  const got = await getVia(h, agent.url, origin.fileUrl, out);
  assert.equal(await sha256File(out), origin.sha256);
  assert.equal(got.from_source_bytes, 0);
  assert.equal(await origin.bytesSent(), origin.size, "the get cost the origin nothing");
});

Deno.test({
  name: "dfly preheat --image: config and every layer from a real registry, once each",
  ignore: registrySkipReason() !== null,
  async fn() {
    await using h = new Harness();
    const registry = await startRegistry(h);
    const image = await makeImage(h, [3 * 2 ** 20, 2 ** 20]);
    await pushImage(h, image, registry, "team/app");
    const tracker = await startTracker(h);
    await startAgent(h, "seed", tracker.url, "--seed");
    const ref = `${registry.host}/team/app:v1`;
    let res = { code: 1, stdout: "", stderr: "" };
    for (let i = 0; i < 50; i++) {
      res = await h.run("preheat", ["preheat", "--image", ref, "--tracker", tracker.url, "--json"]);
      if (res.code === 0 || !/No seed agent/.test(res.stderr)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(res.code, 0, res.stderr);
    const blobs = [image.config, ...image.layers];
    assert.deepEqual(
      lines(res.stdout).map((l) => [l.digest, l.taskId, l.length]).sort(),
      blobs.map((b) => [b.digest, blobTaskId(b.digest), b.size]).sort(),
    );
    const egress = registry.blobEgress();
    for (const b of blobs) assert.equal(egress.get(b.digest), b.size, b.digest);

    const again = await h.run("preheat", [
      "preheat",
      "--image",
      ref,
      "--tracker",
      tracker.url,
      "--json",
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(lines(again.stdout).map((l) => l.status), blobs.map(() => "done"));
    for (const b of blobs) assert.equal(registry.blobEgress().get(b.digest), b.size);
  },
});
