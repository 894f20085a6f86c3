/**
 * Origin faults through a real agent: error statuses, a connection reset
 * mid-body (once: recovered; always: a clear failure), a body shorter than
 * its Content-Length, and a source that changes between requests — which
 * must fail the task rather than mix two versions. `dfly get` exits non-zero
 * with one line and leaves no output; the agent keeps running and serves no
 * piece of the mixed task it could not verify.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { taskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { agentTask, ownStderr } from "./_fault.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

/** Runs `dfly get` through `agentUrl` and expects a one-line failure matching `reason`. */
async function expectFailure(
  h: Harness,
  agentUrl: string,
  url: string,
  reason: RegExp,
): Promise<string> {
  const dir = await h.tempDir();
  const res = await h.run("get", [
    "get",
    url,
    "-o",
    `${dir}/out.bin`,
    "--agent",
    agentUrl,
    "--no-progress",
    "--p2p-only",
  ], { timeoutMs: 60_000 });
  const line = ownStderr(res.stderr);
  assert.notEqual(res.code, 0, `expected failure for ${url}`);
  assert.equal(line.split("\n").length, 1, res.stderr);
  assert.match(line, reason);
  assert.doesNotMatch(line, /\bat .*\.ts:\d+/);
  assert.deepEqual([...Deno.readDirSync(dir)], [], "no output left behind");
  return line;
}

Deno.test("origin faults: 404, 500, refused and unresolvable hosts fail clearly through the agent", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "1MiB");
  const failing = await startOrigin(h, "1MiB", "--fail-status", "500");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  const missing = `${origin.proc.url}/missing.bin`;
  await expectFailure(h, agent.url, missing, /^dfly get: source answered 404\b.*missing\.bin$/);
  await expectFailure(h, agent.url, failing.fileUrl, /^dfly get: source answered 500\b/);
  // A closed port and a name that cannot resolve.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  await expectFailure(h, agent.url, `http://127.0.0.1:${port}/f`, /cannot reach .*refused/);
  await expectFailure(h, agent.url, "http://no-such-host.invalid/f", /cannot reach/);
  assert.equal((await fetch(`${agent.url}/healthz`)).status, 200);
});

Deno.test("origin faults: one reset mid-body is recovered with a range request; bytes are right", async () => {
  await using h = new Harness();
  const origin = await startOrigin(
    h,
    "12MiB",
    "--reset-after",
    "5MiB",
    "--faulty-requests",
    "1",
  );
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  const out = `${await h.tempDir()}/out.bin`;
  await getVia(h, agent.url, origin.fileUrl, out);
  assert.equal(await sha256File(out), origin.sha256);
});

Deno.test("origin faults: resets every time, or short bodies, fail clearly after retries", async () => {
  await using h = new Harness();
  const resetting = await startOrigin(h, "8MiB", "--reset-after", "1MiB");
  const short = await startOrigin(h, "8MiB", "--short-by", "1000");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  const reset = await expectFailure(h, agent.url, resetting.fileUrl, /^dfly get: .*source/i);
  const cut = await expectFailure(h, agent.url, short.fileUrl, /^dfly get: .*source/i);
  console.log(`origin faults: reset → ${reset}\norigin faults: short → ${cut}`);
  assert.equal((await fetch(`${agent.url}/healthz`)).status, 200);
});

Deno.test("origin faults: a source that changes between requests fails the task instead of mixing versions", async () => {
  await using h = new Harness();
  // The first GET is cut after 6 MiB; every later GET sees a new version of the file.
  const origin = await startOrigin(
    h,
    "16MiB",
    "--reset-after",
    "6MiB",
    "--faulty-requests",
    "1",
    "--change-after",
    "1",
  );
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  const line = await expectFailure(h, agent.url, origin.fileUrl, /^dfly get: .*changed/i);
  console.log(`origin faults: change → ${line}`);
  const task = await agentTask(agent.url, id);
  assert.ok(!task?.complete, "the mixed task is not complete");
  // Pieces it still serves are all from the first version: the origin now serves the
  // second, which differs from the first in every byte.
  const PIECE = 4 * 2 ** 20;
  let served = 0;
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${agent.url}/api/v1/pieces/${id}/${i}`);
    if (res.status !== 200) {
      await res.body?.cancel();
      continue;
    }
    const v2 = await fetch(origin.fileUrl, {
      headers: { range: `bytes=${i * PIECE}-${(i + 1) * PIECE - 1}` },
    });
    const held = new Uint8Array(await res.arrayBuffer());
    const second = new Uint8Array(await v2.arrayBuffer());
    assert.notEqual(held[0], second[0], `piece ${i} is from the first version`);
    served++;
  }
  assert.ok(served >= 1, "the piece verified before the change is still served");

  // The tracker keeps the first version: a fresh agent is told how to get the new one,
  // and a new --tag gets it.
  const fresh = await startAgent(h, "fresh", tracker.url);
  await expectFailure(h, fresh.url, origin.fileUrl, /source changed/);
  const dir = await h.tempDir();
  await getVia(h, fresh.url, origin.fileUrl, `${dir}/v2.bin`, "--tag", "v2");
  const v2 = createHash("sha256").update(
    new Uint8Array(await (await fetch(origin.fileUrl)).arrayBuffer()),
  ).digest("hex");
  assert.equal(await sha256File(`${dir}/v2.bin`), v2);
});
