/**
 * End-to-end service behaviour: `/readyz` on tracker and agent, and an
 * agent's SIGTERM — it leaves its tasks at the tracker, lets an upload in
 * flight finish, saves its store and exits 0; restarted, it still holds the
 * file. The tracker's SIGTERM saves its state and exits 0.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Harness } from "./_harness.ts";
import { getVia, startAgent, startOrigin, startTracker } from "./_swarm.ts";

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

Deno.test("readyz, and SIGTERM: the agent leaves, finishes its upload, saves, exits 0", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "12MiB");
  const tracker = await startTracker(h);
  const ready = await json(`${tracker.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body.checks, {
    db: { ok: true, detail: "migrated" },
    serving: { ok: true, detail: "yes" },
  });

  const agent = await startAgent(h, "agent", tracker.url, "--upload-limit", "2MiB");
  await eventually("agent ready", async () => (await json(`${agent.url}/readyz`)).status === 200);
  const out = `${await h.tempDir()}/out.bin`;
  const got = await getVia(h, agent.url, origin.fileUrl, out);
  const taskUrl = `${tracker.url}/api/v1/tasks/${got.task_id}`;
  await eventually("the tracker lists the agent", async () => {
    const peers = (await json(taskUrl)).body.peerList as unknown[];
    return peers.length === 1;
  });

  // A 4 MiB piece at 2 MiB/s is still flowing when SIGTERM arrives.
  const upload = await fetch(`${agent.url}/api/v1/pieces/${got.task_id}/0`);
  assert.equal(upload.status, 200);
  const reader = upload.body!.getReader();
  const first = await reader.read();
  // Signal without waiting for the exit (Proc.kill would): the exit waits for
  // this upload, which needs us reading once the socket buffers are full.
  agent.child.kill("SIGTERM");
  const hash = createHash("sha256").update(first.value!);
  let received = first.value!.byteLength;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    hash.update(r.value);
    received += r.value.byteLength;
  }
  assert.equal(received, 4 * 2 ** 20, "the upload in flight finished");
  const file = await Deno.open(out);
  const piece = new Uint8Array(4 * 2 ** 20);
  let at = 0;
  while (at < piece.length) at += (await file.read(piece.subarray(at)))!;
  file.close();
  assert.equal(hash.digest("hex"), createHash("sha256").update(piece).digest("hex"));

  assert.equal((await agent.status).code, 0, agent.stderr());
  assert.match(agent.stderr(), /drained/);
  const peers = (await json(taskUrl)).body.peerList as unknown[];
  assert.equal(peers.length, 0, "the tracker no longer hands out the stopped agent");

  // Restarted on the same data dir, the agent still holds the whole file.
  const again = await h.spawn("agent", [
    "agent",
    "--listen",
    "127.0.0.1:0",
    "--tracker",
    tracker.url,
    "--data-dir",
    agent.dataDir,
  ]);
  const task = await json(`${again.url}/api/v1/tasks/${got.task_id}`);
  assert.equal(task.body.complete, true);

  await tracker.kill("SIGTERM");
  assert.equal((await tracker.status).code, 0, tracker.stderr());
  assert.match(tracker.stderr(), /state saved/);
});

Deno.test("agent readyz says 503 while no tracker was reached", async () => {
  await using h = new Harness();
  const agent = await startAgent(h, "lonely", "http://127.0.0.1:9");
  const res = await json(`${agent.url}/readyz`);
  assert.equal(res.status, 503);
  assert.equal(res.body.ready, false);
  assert.equal((res.body.checks as Record<string, { ok: boolean }>).tracker.ok, false);
  assert.equal((await json(`${agent.url}/healthz`)).status, 200);
});

Deno.test("a second SIGTERM while uploads drain stops the agent at once (exit 1)", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "4MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url, "--upload-limit", "256KiB");
  const out = `${await h.tempDir()}/out.bin`;
  const got = await getVia(h, agent.url, origin.fileUrl, out);
  await eventually("the tracker lists the agent", async () => {
    const peers = (await json(`${tracker.url}/api/v1/tasks/${got.task_id}`)).body.peerList;
    return Array.isArray(peers) && peers.length === 1;
  });
  // 4 MiB at 256 KiB/s: a drain of ~16 s that the second signal cuts short.
  const upload = await fetch(`${agent.url}/api/v1/pieces/${got.task_id}/0`);
  const reader = upload.body!.getReader();
  await reader.read();
  agent.child.kill("SIGTERM"); // (Proc.kill would wait for the exit)
  // The drain has begun once the agent has left its task at the tracker.
  await eventually("the agent to leave", async () => {
    const peers = (await json(`${tracker.url}/api/v1/tasks/${got.task_id}`)).body.peerList;
    return (peers as unknown[]).length === 0;
  });
  agent.child.kill("SIGTERM");
  assert.equal((await agent.status).code, 1, agent.stderr());
  assert.doesNotMatch(agent.stderr(), /drained/);
  await reader.cancel().catch(() => {});
});

Deno.test("tracker SIGTERM: a client holding a request open does not hold the stop past the bound", async () => {
  await using h = new Harness();
  const tracker = await startTracker(h);
  const { hostname, port } = new URL(tracker.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  // Headers promise 100 bytes of body; only 10 ever come.
  await conn.write(new TextEncoder().encode(
    `POST /api/v1/heartbeat HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"host":{"`,
  ));
  await new Promise((r) => setTimeout(r, 300));
  tracker.child.kill("SIGTERM");
  assert.equal((await tracker.status).code, 0, tracker.stderr());
  assert.match(tracker.stderr(), /requests still open at the drain bound/);
  assert.match(tracker.stderr(), /state saved/);
  conn.close();
});
