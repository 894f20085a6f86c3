/**
 * End-to-end: what happens when parts fail — the tracker is gone, a parent
 * serves corrupted bytes, the user's digest does not match.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

Deno.test("back to source: with the tracker stopped, dfly get through an agent completes", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "12MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  await tracker.kill("SIGKILL");
  const out = `${await h.tempDir()}/out.bin`;
  const summary = await getVia(h, agent.url, origin.fileUrl, out);
  assert.equal(await sha256File(out), origin.sha256);
  assert.equal(summary.from_source_bytes, origin.size);
});

Deno.test("verification: a corrupted piece is refused, fetched elsewhere, and counted against its sender", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "24MiB");
  const tracker = await startTracker(h, "--peer-ttl", "2s");
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const bad = await startAgent(h, "bad", tracker.url);
  const outDir = await h.tempDir();
  const first = await getVia(h, bad.url, origin.fileUrl, `${outDir}/first.bin`);
  assert.equal(await sha256File(`${outDir}/first.bin`), origin.sha256);

  // Flip bytes of piece 1 on the bad agent's disk: it still believes the piece is verified.
  const data = `${bad.dataDir}/tasks/${first.task_id}/data`;
  await Deno.chmod(data, 0o644);
  const file = await Deno.open(data, { write: true });
  await file.seek(4 * 2 ** 20 + 1000, Deno.SeekMode.Start);
  await file.write(new Uint8Array(4096).fill(0xee));
  file.close();
  // With the seed gone, the bad agent is the only parent there is.
  await seed.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 3000));

  const fresh = await startAgent(h, "fresh", tracker.url);
  const summary = await getVia(h, fresh.url, origin.fileUrl, `${outDir}/fresh.bin`);
  assert.equal(await sha256File(`${outDir}/fresh.bin`), origin.sha256);
  assert.ok(summary.from_peers_bytes > 0, "the healthy pieces came from the bad agent");

  const hosts = (await (await fetch(`${tracker.url}/api/v1/hosts`)).json()).hosts as {
    addr: string;
    failures: number;
  }[];
  const badHost = hosts.find((x) => bad.url.endsWith(x.addr));
  assert.ok(badHost, JSON.stringify(hosts));
  assert.ok(badHost.failures >= 1, `failures counted: ${JSON.stringify(badHost)}`);
});

Deno.test("--digest through an agent: a wrong digest fails clearly and leaves no output", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "5MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  const dir = await h.tempDir();
  const res = await h.run("get", [
    "get",
    origin.fileUrl,
    "-o",
    `${dir}/out.bin`,
    "--agent",
    agent.url,
    "--no-progress",
    "--digest",
    `sha256:${"0".repeat(64)}`,
  ]);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr.trim().split("\n").at(-1)!, /^dfly get: .*digest/i);
  assert.doesNotMatch(res.stderr, /^\s+at /m);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  // The right digest works through the same agent (from its cache).
  const ok = await getVia(
    h,
    agent.url,
    origin.fileUrl,
    `${dir}/ok.bin`,
    "--digest",
    `sha256:${origin.sha256}`,
  );
  assert.equal(ok.bytes, origin.size);
});
