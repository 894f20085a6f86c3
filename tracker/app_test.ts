import assert from "node:assert/strict";
import { Bitset } from "../util/bitset.ts";
import {
  type AnnounceResponse,
  parseAnnounceResponse,
  type SourceReport,
  type TaskDetail,
  TRACKER_ROUTES,
} from "../wire.ts";
import { announce, digest, host, TASK, TestTracker } from "./_test_utils.ts";

const MiB = 2 ** 20;

/** A source report of a three-piece, 12 MiB task. */
const THREE_PIECES: SourceReport = {
  length: 12 * MiB,
  etag: null,
  lastModified: null,
  digests: [[0, digest(0)], [1, digest(1)], [2, digest(2)]],
};

async function announceOk(t: TestTracker, body: unknown): Promise<AnnounceResponse> {
  const res = await t.post(TRACKER_ROUTES.announce, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return parseAnnounceResponse(res.body);
}

Deno.test("announce: a live seed is triggered first and the peer waits", async () => {
  await using t = await TestTracker.open();
  const seed = host(9, { seed: true });
  const hb = await t.post(TRACKER_ROUTES.heartbeat, { host: seed, tasks: [] });
  assert.deepEqual(hb.body, { resync: false, heartbeatMs: 3333 });

  const a = host(1);
  const first = await announceOk(t, announce(a, { full: true }));
  assert.equal(first.backToSource, false);
  assert.equal(first.announceAfterMs, 100);
  assert.equal(first.task!.length, null);
  assert.deepEqual(first.parents, []);
  assert.equal(first.resync, false);
  assert.deepEqual(t.triggers, [{
    seed: seed.id,
    request: { taskId: TASK.id, url: TASK.url, tag: TASK.tag },
  }]);

  // Within the grace period nobody is triggered again and nobody goes to the source.
  t.time += 1000;
  assert.equal((await announceOk(t, announce(a))).backToSource, false);
  assert.equal(t.triggers.length, 1);
});

Deno.test("announce: the seed's source report gives length, digests and a parent", async () => {
  await using t = await TestTracker.open();
  const seed = host(9, { seed: true, idc: "x" });
  await t.post(TRACKER_ROUTES.heartbeat, { host: seed, tasks: [] });
  const a = host(1);
  await announceOk(t, announce(a, { full: true }));

  const s1 = await announceOk(t, announce(seed, { full: true }));
  assert.equal(s1.backToSource, true);
  const s2 = await announceOk(
    t,
    announce(seed, {
      source: {
        length: 10 * MiB,
        etag: '"v1"',
        lastModified: null,
        digests: [[0, digest(0)], [1, digest(1)]],
      },
      have: [0, 1],
    }),
  );
  assert.deepEqual(s2.task, {
    id: TASK.id,
    length: 10 * MiB,
    pieceSize: 4 * MiB,
    pieceCount: 3,
    etag: '"v1"',
    lastModified: null,
  });
  assert.deepEqual(s2.digests, [[0, digest(0)], [1, digest(1)]]);
  assert.equal(s2.digestCursor, 2);

  const a2 = await announceOk(t, announce(a));
  assert.equal(a2.backToSource, false);
  assert.equal(a2.announceAfterMs, 2000);
  assert.deepEqual(a2.digests, [[0, digest(0)], [1, digest(1)]]);
  assert.equal(a2.parents.length, 1);
  const parent = a2.parents[0];
  assert.equal(parent.hostId, seed.id);
  assert.equal(parent.addr, seed.addr);
  assert.equal(parent.seed, true);
  assert.ok(parent.score > 0);
  assert.deepEqual([...Bitset.fromBase64(3, parent.pieces)], [0, 1]);

  // The last piece; a second peer only gets digests after its cursor.
  await announceOk(
    t,
    announce(seed, {
      source: { length: 10 * MiB, etag: '"v1"', lastModified: null, digests: [[2, digest(2)]] },
      have: [2],
      done: true,
    }),
  );
  const b = await announceOk(t, announce(host(2), { full: true, digestCursor: 2 }));
  assert.deepEqual(b.digests, [[2, digest(2)]]);
  assert.equal(b.digestCursor, 3);
  assert.equal(b.backToSource, false);
  assert.deepEqual(b.parents.map((p) => p.hostId), [seed.id]);
  assert.ok(Bitset.fromBase64(3, b.parents[0].pieces).complete);

  const detail = await t.get<TaskDetail>(`/api/v1/tasks/${TASK.id}`);
  assert.equal(detail.status, 200);
  assert.equal(detail.body.digests, 3);
  assert.equal(detail.body.peers, 3);
  assert.equal(detail.body.done, 1);
  const seedPeer = detail.body.peerList.find((p) => p.hostId === seed.id)!;
  assert.deepEqual(
    { pieces: seedPeer.pieces, done: seedPeer.done, source: seedPeer.source },
    { pieces: 3, done: true, source: false },
  );
  const list = await t.get<{ tasks: { id: string; length: number }[] }>(TRACKER_ROUTES.tasks);
  assert.deepEqual(list.body.tasks.map((x) => [x.id, x.length]), [[TASK.id, 10 * MiB]]);
});

Deno.test("announce: a source report from an unassigned peer is adopted when nobody else goes to source", async () => {
  await using t = await TestTracker.open({ sourcePeers: 1 });
  const [a, b] = [host(1), host(2)];
  const report: SourceReport = {
    length: 5 * MiB,
    etag: null,
    lastModified: null,
    digests: [[0, digest(0)]],
  };
  // a is the source-goer; b's own report is ignored while a is active.
  assert.equal((await announceOk(t, announce(a, { full: true }))).backToSource, true);
  assert.equal(
    (await announceOk(t, announce(b, { full: true, source: report }))).task!.length,
    null,
  );
  // a gives up; now b's report (it fetched on its own) is taken and b becomes the source-goer.
  await announceOk(t, announce(a, { sourceError: "origin answered 503" }));
  const adopted = await announceOk(t, announce(b, { source: report, have: [0] }));
  assert.equal(adopted.task!.length, 5 * MiB);
  assert.equal(adopted.backToSource, true);
});

Deno.test("announce: without a seed the first source-peers peers go to the source", async () => {
  await using t = await TestTracker.open({ sourcePeers: 2 });
  const [a, b, c] = [host(1), host(2), host(3)];
  assert.equal((await announceOk(t, announce(a, { full: true }))).backToSource, true);
  assert.equal((await announceOk(t, announce(b, { full: true }))).backToSource, true);
  const cr = await announceOk(t, announce(c, { full: true }));
  assert.equal(cr.backToSource, false);
  assert.equal(cr.announceAfterMs, 100);
  assert.equal((await announceOk(t, announce(a))).backToSource, true, "a source-goer stays one");

  // Digests from a peer that was not sent to the source are ignored.
  const report: SourceReport = {
    length: 5 * MiB,
    etag: null,
    lastModified: null,
    digests: [[0, digest(0)]],
  };
  const ignored = await announceOk(t, announce(c, { source: report }));
  assert.equal(ignored.task!.length, null);

  // A source error hands the slot to the next peer.
  const failed = await announceOk(t, announce(a, { sourceError: "origin answered 503" }));
  assert.equal(failed.backToSource, false);
  assert.equal((await announceOk(t, announce(c))).backToSource, true);
  assert.equal((await announceOk(t, announce(a))).backToSource, false, "never again for a");

  // Once a peer is done, nobody new goes to the source.
  const accepted = await announceOk(t, announce(c, { source: report, have: [0, 1] }));
  assert.equal(accepted.task!.pieceCount, 2);
  await announceOk(
    t,
    announce(c, { source: { ...report, digests: [[1, digest(1)]] }, have: [1], done: true }),
  );
  const d = await announceOk(t, announce(host(4), { full: true }));
  assert.equal(d.backToSource, false);
  assert.deepEqual(d.parents.map((p) => p.hostId), [c.id]);
});

Deno.test("announce: private downloads skip seeds", async () => {
  await using t = await TestTracker.open();
  await t.post(TRACKER_ROUTES.heartbeat, { host: host(9, { seed: true }), tasks: [] });
  const res = await announceOk(t, announce(host(1), { task: { ...TASK, private: true } }));
  assert.equal(res.backToSource, true);
  assert.equal(t.triggers.length, 0);
});

Deno.test("announce: a seed that misses its grace period is passed over", async () => {
  await using t = await TestTracker.open({ seedGraceMs: 3000 });
  await t.post(TRACKER_ROUTES.heartbeat, { host: host(9, { seed: true }), tasks: [] });
  const a = host(1);
  assert.equal((await announceOk(t, announce(a))).backToSource, false);
  t.time += 3000;
  await t.post(TRACKER_ROUTES.heartbeat, { host: host(9, { seed: true }), tasks: null });
  assert.equal((await announceOk(t, announce(a))).backToSource, true);
  assert.equal(t.triggers.length, 1);
});

Deno.test("announce: digests are never replaced and have ignores unknown pieces", async () => {
  await using t = await TestTracker.open();
  const a = host(1);
  await announceOk(t, announce(a, { full: true }));
  const src = { length: 9 * MiB, etag: null, lastModified: null };
  await announceOk(t, announce(a, { source: { ...src, digests: [[0, digest(0)]] } }));
  const res = await announceOk(
    t,
    announce(a, {
      source: { ...src, digests: [[0, digest(0, "b")], [1, digest(1)], [7, digest(7)]] },
      have: [0, 1, 2, 99],
    }),
  );
  assert.deepEqual(res.digests, [[0, digest(0)], [1, digest(1)]]);
  const detail = await t.get<TaskDetail>(`/api/v1/tasks/${TASK.id}`);
  assert.equal(detail.body.peerList[0].pieces, 2, "piece 2 has no digest, 99 is out of range");
  // A report of another length is ignored as a whole.
  await announceOk(t, announce(a, { source: { ...src, length: 1, digests: [[2, digest(2)]] } }));
  assert.equal((await t.get<TaskDetail>(`/api/v1/tasks/${TASK.id}`)).body.digests, 2);
});

Deno.test("announce: resync is asked of unknown peers that did not send everything", async () => {
  await using t = await TestTracker.open();
  assert.equal((await announceOk(t, announce(host(1)))).resync, true);
  assert.equal((await announceOk(t, announce(host(1)))).resync, false);
  assert.equal((await announceOk(t, announce(host(2), { full: true }))).resync, false);
});

Deno.test("announce: parents are spread over useful peers, not always the same", async () => {
  await using t = await TestTracker.open();
  const src = host(1);
  await announceOk(t, announce(src, { full: true }));
  const digests: [number, string][] = Array.from({ length: 25 }, (_, i) => [i, digest(i)]);
  await announceOk(
    t,
    announce(src, {
      source: { length: 100 * MiB, etag: null, lastModified: null, digests },
      have: digests.map(([i]) => i),
      done: true,
    }),
  );
  // 40 peers holding piece i % 25; the requester holds piece 0 only.
  for (let n = 10; n < 50; n++) {
    await announceOk(t, announce(host(n), { full: true, have: [n % 25] }));
  }
  const me = host(99);
  await announceOk(t, announce(me, { full: true, have: [0] }));
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const res = await announceOk(t, announce(me));
    assert.ok(res.parents.length <= 16 && res.parents.length > 0);
    for (const p of res.parents) {
      assert.notEqual(p.hostId, me.id);
      assert.ok([...Bitset.fromBase64(25, p.pieces)].some((i) => i !== 0), "useful parent");
      seen.add(p.hostId);
    }
  }
  assert.ok(!seen.has(host(25).id), "host 25 holds piece 0 only");
  assert.ok(seen.size > 20, `only ${seen.size} distinct parents`);
});

Deno.test("announce: parents already listed and unchanged are left out while the token is echoed", async () => {
  await using t = await TestTracker.open();
  await announceOk(t, announce(host(1), { full: true, have: [0, 1, 2], source: THREE_PIECES }));
  await announceOk(t, announce(host(2), { full: true, have: [0] }));
  const me = host(9);
  const first = await announceOk(t, announce(me, { full: true }));
  assert.deepEqual(first.parents.map((p) => p.hostId).sort(), [host(1).id, host(2).id].sort());
  assert.ok(first.listing > 0);

  const same = await announceOk(t, announce(me, { listing: first.listing }));
  assert.deepEqual(same.parents, []);
  assert.equal(same.task, null, "metadata it has");
  assert.notEqual(same.listing, first.listing);

  // Host 2 gains a piece: only it is listed again, with its new pieces.
  await announceOk(t, announce(host(2), { have: [1] }));
  const changed = await announceOk(t, announce(me, { listing: same.listing }));
  assert.deepEqual(changed.parents.map((p) => p.hostId), [host(2).id]);
  assert.deepEqual([...Bitset.fromBase64(3, changed.parents[0].pieces)], [0, 1]);

  // An answer lost on the way: the stale token gets everything again.
  const lost = await announceOk(t, announce(me, { listing: same.listing }));
  assert.equal(lost.parents.length, 2);
  assert.equal(lost.task?.length, 12 * MiB);
  // An agent that sends no token (older than this field) always gets everything.
  const plain = await t.post(TRACKER_ROUTES.announce, { ...announce(me), listing: undefined });
  assert.equal(plain.status, 200);
  assert.equal(parseAnnounceResponse(plain.body).parents.length, 2);
});

Deno.test("announce: a caller that accepts gzip gets the same answer gzipped", async () => {
  await using t = await TestTracker.open();
  // Enough parents holding pieces that the answer is well over a kilobyte.
  for (let i = 1; i <= 12; i++) {
    await announceOk(t, announce(host(i), { full: true, have: [0, 1, 2], source: THREE_PIECES }));
  }
  const body = JSON.stringify(announce(host(20), { full: true }));
  const plain = await t.request("POST", TRACKER_ROUTES.announce, body);
  assert.equal(plain.headers.get("content-encoding"), null);
  const expected = parseAnnounceResponse(await plain.json());
  assert.ok(expected.parents.length >= 8, `${expected.parents.length} parents`);

  const res = await t.request("POST", TRACKER_ROUTES.announce, body, {
    "accept-encoding": "gzip, br",
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-encoding"), "gzip");
  const zipped = new Uint8Array(await res.arrayBuffer());
  const text = await new Response(
    new Blob([zipped]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  assert.ok(zipped.byteLength < text.length / 2, `${zipped.byteLength} of ${text.length} bytes`);
  const got = parseAnnounceResponse(JSON.parse(text));
  assert.equal(got.parents.length, expected.parents.length);
  assert.deepEqual(got.task, expected.task);
});
