import assert from "node:assert/strict";
import { Bitset } from "../util/bitset.ts";
import { host, TASK } from "./_test_utils.ts";
import { usefulPieces } from "./parents.ts";
import { TrackerState } from "./state.ts";

const OPTIONS = { peerTtlMs: 10_000, sourcePeers: 1, seedGraceMs: 3000 };

Deno.test("TrackerState.takeChanges() batches each changed record once", () => {
  const state = new TrackerState(OPTIONS);
  assert.equal(state.takeChanges(), null);
  const { host: h } = state.touchHost(host(1), 0);
  state.touchHost(host(1), 5);
  const task = state.ensureTask(TASK.id, TASK.url, TASK.tag, 0);
  state.ensurePeer(task, h, 0);
  state.setLength(task, { length: 10, etag: null, lastModified: null }, 0);
  assert.equal(state.addDigest(task, 0, "a".repeat(64), 0), "added");
  assert.equal(state.addDigest(task, 0, "b".repeat(64), 0), "conflict");
  const changes = state.takeChanges()!;
  assert.deepEqual(
    [changes.hosts.length, changes.tasks.length, changes.peers.length, changes.pieces.length],
    [1, 1, 1, 1],
  );
  assert.equal(changes.tasks[0].pieceCount, 1);
  assert.equal(changes.hosts[0].lastSeen, 5);
  assert.equal(state.takeChanges(), null);
  // lastSeen alone is written lazily.
  state.touchHost(host(1), 6);
  assert.equal(state.takeChanges(), null);
});

Deno.test("TrackerState.restoreChanges() retries without resurrecting removed records", () => {
  const state = new TrackerState(OPTIONS);
  const a = state.touchHost(host(1), 0).host;
  const b = state.touchHost(host(2), 0).host;
  const task = state.ensureTask(TASK.id, TASK.url, TASK.tag, 0);
  state.ensurePeer(task, a, 0);
  state.ensurePeer(task, b, 0);
  const failed = state.takeChanges()!;
  state.removePeer(task, b.id);
  state.restoreChanges(failed);
  const retry = state.takeChanges()!;
  assert.deepEqual(retry.peers.map((p) => p.hostId), [a.id]);
  assert.deepEqual(retry.deletedPeers, [{ taskId: TASK.id, hostId: b.id }]);
  assert.equal(retry.hosts.length, 2);
  assert.equal(retry.tasks.length, 1);
});

Deno.test("TrackerState.removePeer() keeps the peer list, sets and counts in step", () => {
  const state = new TrackerState(OPTIONS);
  const task = state.ensureTask(TASK.id, TASK.url, TASK.tag, 0);
  const hosts = [1, 2, 3].map((n) => state.touchHost(host(n), 0).host);
  const peers = hosts.map((h) => state.ensurePeer(task, h, 0).peer);
  state.setDone(task, peers[0], true, 0);
  state.setSource(task, peers[0], true, 0);
  state.removePeer(task, hosts[0].id);
  assert.equal(task.doneCount, 0);
  assert.equal(task.sourceGoers.size, 0);
  assert.deepEqual(task.peerList.map((p) => p.hostId).sort(), [hosts[1].id, hosts[2].id]);
  task.peerList.forEach((p, i) => assert.equal(p.slot, i));
  assert.equal(hosts[0].tasks.size, 0);
});

Deno.test("TrackerState.expire() drops silent hosts and their peers", () => {
  const state = new TrackerState(OPTIONS);
  const task = state.ensureTask(TASK.id, TASK.url, TASK.tag, 0);
  const old = state.touchHost(host(1, { seed: true }), 0).host;
  const fresh = state.touchHost(host(2), 5000).host;
  state.ensurePeer(task, old, 0);
  state.ensurePeer(task, fresh, 0);
  assert.deepEqual(state.expire(10_000), []);
  assert.deepEqual(state.expire(10_001), [old.id]);
  assert.equal(state.seeds.size, 0);
  assert.deepEqual([...task.peers.keys()], [fresh.id]);
});

Deno.test("usefulPieces() counts pieces the parent has and the requester lacks", () => {
  const parent = new Bitset(20);
  const me = new Bitset(20);
  for (const i of [0, 3, 9, 19]) parent.add(i);
  for (const i of [3, 4, 19]) me.add(i);
  assert.equal(usefulPieces(parent.bytes, me.bytes), 2);
  assert.equal(usefulPieces(me.bytes, me.bytes), 0);
});
