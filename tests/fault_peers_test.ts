/**
 * Fault suite, parents: a parent SIGKILLed while serving (fault 1), a parent
 * that stalls or trickles (fault 2), a parent that keeps serving wrong bytes
 * (fault 3), the origin gone once the seed holds the file (fault 5). Real
 * processes throughout; each test prints what it measured.
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { agentTask, handedOut, StallRelay, trackerHosts, waitFor } from "./_fault.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const MiB = 2 ** 20;

Deno.test("fault 1: a parent SIGKILLed mid-serving — downloaders finish, the tracker stops handing it out", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "48MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h, "--peer-ttl", "2s");
  const seed = await startAgent(h, "seed", tracker.url, "--seed", "--upload-limit", "8MiB");
  const parent = await startAgent(h, "parent", tracker.url, "--upload-limit", "24MiB");
  const dir = await h.tempDir();
  await getVia(h, parent.url, origin.fileUrl, `${dir}/parent.bin`);

  const d1 = await startAgent(h, "d1", tracker.url);
  const d2 = await startAgent(h, "d2", tracker.url);
  const gets = [d1, d2].map((d, i) => getVia(h, d.url, origin.fileUrl, `${dir}/d${i}.bin`));
  // Kill the parent while it is serving: d1 already holds some of its pieces.
  await waitFor(
    "d1 to receive pieces from peers",
    async () => {
      const t = await agentTask(d1.url, id);
      return t && t.fromPeers >= 8 * MiB;
    },
    30_000,
    50,
  );
  const parentAddr = new URL(parent.url).host;
  await parent.kill("SIGKILL");
  const killedAt = Date.now();
  await waitFor(
    "the tracker to drop the killed parent",
    async () => {
      const addrs = await handedOut(tracker.url, { id, url: origin.fileUrl });
      return !addrs.includes(parentAddr);
    },
    15_000,
    100,
  );
  const dropMs = Date.now() - killedAt;

  const summaries = await Promise.all(gets);
  for (let i = 0; i < 2; i++) assert.equal(await sha256File(`${dir}/d${i}.bin`), origin.sha256);
  console.log(`fault 1: killed parent dropped from hand-outs after ${dropMs} ms (peer-ttl 2 s)`);

  // A holder killed while nobody downloads is only noticed by its missing heartbeats.
  const idleAddr = new URL(d1.url).host;
  assert.ok((await handedOut(tracker.url, { id, url: origin.fileUrl })).includes(idleAddr));
  await d1.kill("SIGKILL");
  const idleKilledAt = Date.now();
  await waitFor(
    "the tracker to drop the idle holder",
    async () => {
      const addrs = await handedOut(tracker.url, { id, url: origin.fileUrl });
      return !addrs.includes(idleAddr);
    },
    15_000,
    100,
  );
  const idleDropMs = Date.now() - idleKilledAt;
  console.log(`fault 1: idle holder dropped after ${idleDropMs} ms (peer-ttl 2 s, sweep 1 s)`);
  assert.ok(idleDropMs <= 2000 + 1000 + 1500, `idle holder dropped after ${idleDropMs} ms`);
  console.log(
    `fault 1: downloads took ${summaries.map((s) => s.seconds.toFixed(2)).join(" s, ")} s`,
  );
  // Bound: peer TTL (2 s) + the tracker's sweep interval (1 s) + polling slack.
  assert.ok(dropMs <= 4500, `dropped after ${dropMs} ms`);
  assert.ok(seed.stderr().length > 0);
});

Deno.test("fault 2: parents that stall or trickle are timed out and reported; the download stays within healthy time + one idle timeout", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "16MiB");
  const tracker = await startTracker(h);
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const dir = await h.tempDir();
  await getVia(h, seed.url, origin.fileUrl, `${dir}/seed.bin`);
  // The victim is paced by its own limit (2 MiB/s: 8 s when healthy), so that the 5 s idle
  // window can run out while the bad parents hold requests.
  const healthySeconds = 16 / 2;

  // Real agents holding the whole file, reached only through relays that go quiet after
  // 600 bytes: one silent, one sending a byte every 200 ms.
  using silent = new StallRelay({ forwardBytes: 600 });
  using trickling = new StallRelay({ forwardBytes: 600, trickleMs: 200 });
  const bad: Record<string, string> = {};
  for (const [name, relay] of [["silent", silent], ["trickling", trickling]] as const) {
    const agent = await startAgent(h, name, tracker.url, "--advertise", `127.0.0.1:${relay.port}`);
    relay.target = Number(new URL(agent.url).port);
    await getVia(h, agent.url, origin.fileUrl, `${dir}/${name}.bin`);
    bad[name] = `127.0.0.1:${relay.port}`;
  }

  const victim = await startAgent(h, "victim", tracker.url, "--download-limit", "2MiB");
  const run = await getVia(h, victim.url, origin.fileUrl, `${dir}/victim.bin`);
  assert.equal(await sha256File(`${dir}/victim.bin`), origin.sha256);
  const hosts = await trackerHosts(tracker.url);
  const failures = Object.fromEntries(
    Object.entries(bad).map(([name, addr]) => [name, hosts.find((x) => x.addr === addr)?.failures]),
  );
  console.log(
    `fault 2: healthy ${healthySeconds} s (16 MiB at 2 MiB/s), with a silent and a trickling parent ${
      run.seconds.toFixed(2)
    } s; requests that reached them: silent ${silent.connections}, trickling ${trickling.connections}; ` +
      `timeouts reported: ${JSON.stringify(failures)}`,
  );
  assert.ok(silent.connections > 0 && trickling.connections > 0, "both bad parents were asked");
  assert.ok((failures.silent ?? 0) >= 1, "the silent parent was timed out and reported");
  assert.ok((failures.trickling ?? 0) >= 1, "the trickling parent was timed out and reported");
  // Idle window 5 s (checked every 1.25 s), headers timeout 3 s.
  assert.ok(run.seconds <= healthySeconds + 6.25 + 4, `${run.seconds} s`);
});

Deno.test("fault 3: a parent serving wrong bytes is isolated after a few failures, visibly", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "24MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h, "--peer-ttl", "2s");
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const bad = await startAgent(h, "bad", tracker.url);
  const dir = await h.tempDir();
  await getVia(h, bad.url, origin.fileUrl, `${dir}/bad.bin`);
  // Corrupt every piece on disk; the bad agent still believes them verified.
  const data = `${bad.dataDir}/tasks/${id}/data`;
  await Deno.chmod(data, 0o644);
  using file = await Deno.open(data, { write: true });
  for (let piece = 0; piece < 6; piece++) {
    await file.seek(piece * 4 * MiB + 100, Deno.SeekMode.Start);
    await file.write(new Uint8Array(64).fill(0x5a));
  }
  const badAddr = new URL(bad.url).host;
  await seed.kill("SIGKILL");
  await waitFor("the seed to expire", async () => {
    const hosts = await trackerHosts(tracker.url);
    return hosts.length === 1;
  }, 10_000);

  for (const name of ["f1", "f2", "f3"]) {
    const fresh = await startAgent(h, name, tracker.url);
    await getVia(h, fresh.url, origin.fileUrl, `${dir}/${name}.bin`);
    assert.equal(await sha256File(`${dir}/${name}.bin`), origin.sha256);
    const badHost = (await trackerHosts(tracker.url)).find((x) => x.addr === badAddr);
    console.log(`fault 3: after ${name}: ${JSON.stringify(badHost)}`);
    if (badHost?.isolated) break;
  }
  const badHost = (await trackerHosts(tracker.url)).find((x) => x.addr === badAddr);
  assert.ok(badHost?.isolated, `bad host isolated: ${JSON.stringify(badHost)}`);
  assert.ok(badHost.failures >= 3);
  assert.ok(!(await handedOut(tracker.url, { id, url: origin.fileUrl })).includes(badAddr));
});

Deno.test("fault 5: with the origin gone after the seed has the file, new agents finish from peers alone", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "24MiB");
  const tracker = await startTracker(h);
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const dir = await h.tempDir();
  await getVia(h, seed.url, origin.fileUrl, `${dir}/seed.bin`);
  await origin.proc.kill("SIGKILL");
  const agents = await Promise.all(["a1", "a2", "a3"].map((n) => startAgent(h, n, tracker.url)));
  const runs = await Promise.all(
    agents.map((a, i) => getVia(h, a.url, origin.fileUrl, `${dir}/a${i}.bin`)),
  );
  for (let i = 0; i < runs.length; i++) {
    assert.equal(await sha256File(`${dir}/a${i}.bin`), origin.sha256);
    assert.equal(runs[i].from_source_bytes, 0);
    assert.equal(runs[i].from_peers_bytes, origin.size);
  }
});
