/**
 * Fault suite, restarts: the tracker SIGKILLed mid-download and restarted on
 * the same db (fault 4); an agent SIGKILLed mid-download and restarted on the
 * same data dir (fault 6). Real processes; each test prints what it measured.
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { agentTask, handedOut, waitFor } from "./_fault.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const MiB = 2 ** 20;
const PIECE = 4 * MiB;

Deno.test("fault 4: the tracker SIGKILLed mid-download and restarted — downloads finish, state comes back from libsql", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "48MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h);
  const listen = new URL(tracker.url).host;
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const dir = await h.tempDir();
  await getVia(h, seed.url, origin.fileUrl, `${dir}/seed.bin`);

  const slow = await startAgent(h, "slow", tracker.url, "--download-limit", "12MiB");
  const running = getVia(h, slow.url, origin.fileUrl, `${dir}/slow.bin`);
  await waitFor(
    "the slow agent to hold a piece",
    async () => {
      const t = await agentTask(slow.url, id);
      return t && t.pieces >= 1;
    },
    20_000,
    50,
  );
  await tracker.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 1000));
  const restarted = await h.spawn("tracker2", [
    "tracker",
    "--listen",
    listen,
    "--db",
    tracker.db,
  ]);
  assert.match(restarted.stderr(), /state loaded.*tasks=1/);

  const slowRun = await running;
  assert.equal(await sha256File(`${dir}/slow.bin`), origin.sha256);
  assert.equal(slowRun.from_source_bytes, 0, "the seed kept serving while the tracker was down");

  // The restarted tracker knows the task and hands out its holders again.
  const task = await (await fetch(`${restarted.url}/api/v1/tasks/${id}`)).json();
  assert.equal(task.length, origin.size);
  assert.equal(task.digests, 12, "every piece digest survived the crash");
  const addrs = await waitFor(
    "the restarted tracker to hand out parents",
    async () => {
      const a = await handedOut(restarted.url, { id, url: origin.fileUrl });
      return a.length > 0 ? a : null;
    },
    10_000,
    200,
  );
  assert.ok(addrs.includes(new URL(seed.url).host), addrs.join());
  const late = await startAgent(h, "late", restarted.url);
  const lateRun = await getVia(h, late.url, origin.fileUrl, `${dir}/late.bin`);
  assert.equal(await sha256File(`${dir}/late.bin`), origin.sha256);
  assert.equal(lateRun.from_peers_bytes, origin.size);
  console.log(
    `fault 4: download across the tracker crash took ${slowRun.seconds.toFixed(2)} s ` +
      `(12 MiB/s limit, 48 MiB); late agent ${lateRun.seconds.toFixed(2)} s all from peers`,
  );
});

Deno.test("fault 6: an agent SIGKILLed mid-download resumes after restart, re-fetching at most the pieces in flight", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "48MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h);
  await startAgent(h, "seed", tracker.url, "--seed");
  const dir = await h.tempDir();
  const agent = await startAgent(h, "agent", tracker.url, "--download-limit", "12MiB");
  const first = h.run("get1", [
    "get",
    origin.fileUrl,
    "-o",
    `${dir}/out.bin`,
    "--agent",
    agent.url,
    "--no-progress",
  ]);
  const before = await waitFor(
    "the agent to hold 4 pieces",
    async () => {
      const t = await agentTask(agent.url, id);
      return t && t.pieces >= 4 ? t : null;
    },
    30_000,
    50,
  );
  await agent.kill("SIGKILL");
  const got = await first;
  assert.notEqual(got.code, 0, "dfly get fails when its agent dies");
  assert.deepEqual([...Deno.readDirSync(dir)], [], "no partial output");

  // Same data dir, new port.
  const again = await h.spawn("agent2", [
    "agent",
    "--listen",
    "127.0.0.1:0",
    "--tracker",
    tracker.url,
    "--data-dir",
    agent.dataDir,
    "--download-limit",
    "0",
  ]);
  const kept = await agentTask(again.url, id);
  assert.ok(kept, "the restarted agent knows the task");
  // Verified pieces are persisted within 500 ms, so at most a few recent ones can be lost.
  assert.ok(kept.pieces >= before.pieces - 2, `kept ${kept.pieces} of ${before.pieces}`);
  // It serves exactly the pieces it kept, byte for byte what the origin has.
  let served = 0;
  for (let i = 0; i < 12; i++) {
    const piece = await fetch(`${again.url}/api/v1/pieces/${id}/${i}`);
    if (piece.status !== 200) {
      assert.equal(piece.status, 404);
      await piece.body?.cancel();
      continue;
    }
    const range = `bytes=${i * PIECE}-${(i + 1) * PIECE - 1}`;
    const fromOrigin = await fetch(origin.fileUrl, { headers: { range } });
    assert.deepEqual(
      new Uint8Array(await piece.arrayBuffer()),
      new Uint8Array(await fromOrigin.arrayBuffer()),
      `piece ${i}`,
    );
    served++;
  }
  assert.equal(served, kept.pieces);

  const run = await getVia(h, again.url, origin.fileUrl, `${dir}/out.bin`);
  assert.equal(await sha256File(`${dir}/out.bin`), origin.sha256);
  const fetched = run.from_peers_bytes + run.from_source_bytes;
  const missing = origin.size - before.pieces * PIECE;
  const extra = fetched - missing;
  console.log(
    `fault 6: held ${before.pieces}/12 pieces at kill, ${kept.pieces} after restart; ` +
      `fetched ${fetched / MiB} MiB after restart for ${missing / MiB} MiB missing ` +
      `(extra ${extra / MiB} MiB)`,
  );
  // At most the requests in flight at kill time (5 per task by default; 8 allowed) are fetched again.
  assert.ok(extra <= 8 * PIECE, `extra ${extra} bytes`);
  assert.ok(fetched <= origin.size - kept.pieces * PIECE, "no verified piece fetched again");
});
