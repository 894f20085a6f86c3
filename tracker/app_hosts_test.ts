import assert from "node:assert/strict";
import { Bitset } from "../util/bitset.ts";
import {
  type AnnounceResponse,
  type HostSummary,
  parseAnnounceResponse,
  type PieceFailure,
  type TaskDetail,
  TRACKER_ROUTES,
} from "../wire.ts";
import { announce, digest, host, TASK, TestTracker } from "./_test_utils.ts";

const MiB = 2 ** 20;
const DETAIL = `/api/v1/tasks/${TASK.id}`;

async function announceOk(t: TestTracker, body: unknown): Promise<AnnounceResponse> {
  const res = await t.post(TRACKER_ROUTES.announce, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return parseAnnounceResponse(res.body);
}

/** Host 1 fetches a 3-piece task from the source and holds all of it. */
async function seedTask(t: TestTracker): Promise<void> {
  const src = host(1);
  await announceOk(t, announce(src, { full: true }));
  await announceOk(
    t,
    announce(src, {
      source: {
        length: 9 * MiB,
        etag: null,
        lastModified: null,
        digests: [[0, digest(0)], [1, digest(1)], [2, digest(2)]],
      },
      have: [0, 1, 2],
      done: true,
    }),
  );
}

async function hostList(t: TestTracker): Promise<HostSummary[]> {
  return (await t.get<{ hosts: HostSummary[] }>(TRACKER_ROUTES.hosts)).body.hosts;
}

Deno.test("failures: three reports isolate a host from parent hand-outs", async () => {
  await using t = await TestTracker.open();
  await seedTask(t);
  const bad = host(1).id;
  const failure: PieceFailure = { hostId: bad, piece: 0, reason: "digest" };
  // Several failures in one announce count once against the host.
  await announceOk(t, announce(host(2), { full: true, failed: [failure, failure, failure] }));
  let summary = (await hostList(t)).find((h) => h.id === bad)!;
  assert.deepEqual([summary.failures, summary.recentFailures, summary.isolated], [3, 1, false]);

  await announceOk(t, announce(host(3), { full: true, failed: [failure] }));
  const res = await announceOk(t, announce(host(4), { full: true, failed: [failure] }));
  assert.deepEqual(res.parents, [], "isolated hosts are not handed out");
  summary = (await hostList(t)).find((h) => h.id === bad)!;
  assert.equal(summary.isolated, true);
  assert.equal(summary.recentFailures, 3);
  const detail = await t.get<TaskDetail>(DETAIL);
  assert.equal(detail.body.peerList.find((p) => p.hostId === bad)!.failures, 5);

  // The isolation ends; the failures age out of the window.
  t.time += 121_000;
  for (const n of [1, 2]) await t.post(TRACKER_ROUTES.heartbeat, { host: host(n), tasks: null });
  const later = await announceOk(t, announce(host(2)));
  assert.deepEqual(later.parents.map((p) => p.hostId), [bad]);
});

Deno.test("expiry: hosts silent for the TTL leave every task and must resync", async () => {
  await using t = await TestTracker.open({ peerTtlMs: 10_000 });
  await seedTask(t);
  await announceOk(t, announce(host(2), { full: true, have: [0] }));
  t.time += 6000;
  await t.post(TRACKER_ROUTES.heartbeat, { host: host(2), tasks: null });
  t.time += 5000;
  assert.deepEqual(t.state.expire(t.time), [host(1).id]);
  const detail = await t.get<TaskDetail>(DETAIL);
  assert.deepEqual(detail.body.peerList.map((p) => p.hostId), [host(2).id]);
  assert.equal(detail.body.done, 0);
  assert.deepEqual((await announceOk(t, announce(host(2)))).parents, []);

  // The expired host comes back: asked to resync, then its inventory counts again.
  const hb = await t.post(TRACKER_ROUTES.heartbeat, { host: host(1), tasks: null });
  assert.equal(hb.body.resync, true);
  const pieces = Bitset.full(3).toBase64();
  const inventory = {
    host: host(1),
    tasks: [{ id: TASK.id, pieces, done: true }, { id: "cd".repeat(32), pieces, done: true }],
  };
  const hb2 = await t.post(TRACKER_ROUTES.heartbeat, inventory);
  assert.equal(hb2.body.resync, false);
  const back = await t.get<TaskDetail>(DETAIL);
  assert.equal(back.body.done, 1);
  assert.equal((await t.get(`/api/v1/tasks/${"cd".repeat(32)}`)).status, 404);
  const res = await announceOk(t, announce(host(2)));
  assert.deepEqual(res.parents.map((p) => p.hostId), [host(1).id]);
});

Deno.test("leave: the host is dropped from the listed tasks", async () => {
  await using t = await TestTracker.open();
  await seedTask(t);
  const res = await t.post(TRACKER_ROUTES.leave, {
    hostId: host(1).id,
    taskIds: [TASK.id, "cd".repeat(32)],
  });
  assert.deepEqual(res, { status: 200, body: { ok: true } });
  const detail = await t.get<TaskDetail>(DETAIL);
  assert.deepEqual([detail.body.peers, detail.body.done, detail.body.digests], [0, 0, 3]);
  // Nobody holds it any more, so the next peer goes to the source again.
  assert.equal((await announceOk(t, announce(host(2)))).backToSource, true);
});

Deno.test("restart: tasks, digests, peers and hosts come back from the db", async () => {
  await using t = await TestTracker.open();
  await seedTask(t);
  await announceOk(t, announce(host(2), { full: true, have: [1] }));
  await announceOk(
    t,
    announce(host(3), {
      full: true,
      failed: [{ hostId: host(2).id, piece: 1, reason: "timeout" }],
    }),
  );
  await t.post(TRACKER_ROUTES.leave, { hostId: host(3).id, taskIds: [TASK.id] });
  const before = (await t.get<TaskDetail>(DETAIL)).body;

  t.time += 60_000;
  await t.restart();
  const after = (await t.get<TaskDetail>(DETAIL)).body;
  assert.deepEqual(after, before);
  const hosts = await hostList(t);
  assert.deepEqual(hosts.map((h) => h.id).sort(), [host(1).id, host(2).id, host(3).id]);
  assert.ok(hosts.every((h) => h.lastSeen === t.time), "one fresh TTL for every host");
  assert.equal(hosts.find((h) => h.id === host(2).id)!.failures, 1);

  const res = await announceOk(t, announce(host(4), { full: true, digestCursor: 1 }));
  assert.deepEqual(res.digests, [[1, digest(1)], [2, digest(2)]]);
  assert.equal(res.digestCursor, 3);
  assert.equal(res.backToSource, false);
  assert.deepEqual(res.parents.map((p) => p.hostId).sort(), [host(1).id, host(2).id]);
  assert.equal((await announceOk(t, announce(host(1)))).resync, false, "peer known after restart");

  // Hosts loaded from the db still expire if they never come back.
  t.time += 10_001;
  await t.post(TRACKER_ROUTES.heartbeat, { host: host(4), tasks: null });
  t.state.expire(t.time);
  await t.restart();
  assert.deepEqual((await t.get<TaskDetail>(DETAIL)).body.peerList.map((p) => p.hostId), [
    host(4).id,
  ]);
});

Deno.test("restart: an agent whose cursor is past what the db kept still gets new digests", async () => {
  await using t = await TestTracker.open();
  const a = host(1);
  await announceOk(t, announce(a, { full: true }));
  const src = { length: 9 * MiB, etag: null, lastModified: null };
  await announceOk(t, announce(a, { source: { ...src, digests: [[0, digest(0)]] } }));
  await t.flush();
  // Piece 1's digest is learned but lost in a crash (never flushed).
  await announceOk(t, announce(a, { source: { ...src, digests: [[1, digest(1)]] } }));
  t.state.takeChanges();
  await t.restart();
  const b = host(2);
  const seen = await announceOk(t, announce(b, { full: true, digestCursor: 2 }));
  assert.deepEqual(seen.digests, []);
  assert.equal(seen.digestCursor, 2);
  await announceOk(
    t,
    announce(a, { source: { ...src, digests: [[1, digest(1)], [2, digest(2)]] } }),
  );
  const next = await announceOk(t, announce(b, { digestCursor: 2 }));
  assert.deepEqual(next.digests, [[1, digest(1)], [2, digest(2)]]);
});
