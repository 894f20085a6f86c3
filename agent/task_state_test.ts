import assert from "node:assert/strict";
import { Bitset } from "../util/bitset.ts";
import type { AnnounceResponse, ParentInfo } from "../wire.ts";
import { chooseParent } from "./parent_choice.ts";
import { BLOCK_MS, NOT_YET_MS, TaskState } from "./task_state.ts";

const SEED = "5".repeat(32);
const PEER = "a".repeat(32);
const NEW = "b".repeat(32);

/** A state of 4 pieces that knows a seed holding all of them and a peer holding none. */
function stateWithSeedAndPeer(): TaskState {
  const st = new TaskState();
  st.setPieceCount(4);
  const all = new Bitset(4);
  for (let i = 0; i < 4; i++) all.add(i);
  const parent = (hostId: string, seed: boolean, pieces: Bitset): ParentInfo => ({
    hostId,
    addr: `${hostId.slice(0, 4)}:65002`,
    idc: "",
    seed,
    score: 2,
    pieces: pieces.toBase64(),
  });
  const res: AnnounceResponse = {
    task: { id: "t", length: 16, pieceSize: 4, pieceCount: 4, etag: null, lastModified: null },
    digests: [],
    digestCursor: 0,
    backToSource: false,
    listing: 0,
    parents: [parent(SEED, true, all), parent(PEER, false, new Bitset(4))],
    announceAfterMs: 1000,
    resync: false,
  };
  st.applyAnnounce(res, 0);
  return st;
}

const pick = (st: TaskState, piece: number) =>
  chooseParent(piece, [...st.parents.values()], {
    maxInFlight: 4,
    seedLastResort: true,
    random: () => 0.5,
  })?.hostId ?? null;

Deno.test("a holder a seed names is asked for the piece instead of the seed", () => {
  const st = stateWithSeedAndPeer();
  assert.equal(pick(st, 1), SEED);
  st.holderHinted({ hostId: PEER, addr: "aaaa:65002" }, 1, 10);
  assert.equal(pick(st, 1), PEER);
  assert.equal(pick(st, 2), SEED, "only the named piece");

  // A peer the tracker has not listed yet joins the known parents.
  st.holderHinted({ hostId: NEW, addr: "10.0.0.9:65002" }, 2, 10);
  const added = st.parents.get(NEW)!;
  assert.equal(added.addr, "10.0.0.9:65002");
  assert.equal(added.seed, false);
  assert.equal(added.score, 2, "scored like the best listed peer");
  assert.equal(pick(st, 2), NEW);

  // A seed named as a holder changes nothing.
  st.holderHinted({ hostId: SEED, addr: "5555:65002" }, 3, 10);
  assert.equal(st.parents.get(SEED)!.hinted.size, 0);
});

Deno.test("a named holder still receiving the piece is asked again shortly, without a failure", () => {
  const st = stateWithSeedAndPeer();
  st.holderHinted({ hostId: PEER, addr: "aaaa:65002" }, 1, 10);
  assert.equal(st.notHeldYet(PEER, 1, 100), true);
  assert.equal(st.pendingFailures.length, 0);
  assert.equal(st.parents.get(PEER)!.blocked, false);
  assert.equal(st.parents.get(PEER)!.busy, true, "resting for a moment");
  assert.equal(pick(st, 1), null, "and the seed is not asked in its place");
  st.refreshBlocks(100 + NOT_YET_MS);
  assert.equal(pick(st, 1), PEER);
  // For a piece the tracker listed, not holding it is a failure as before.
  assert.equal(st.notHeldYet(PEER, 2, 200), false);
});

Deno.test("nextChangeAt: the earliest end of a parent's rest, for the download loop to wake at", () => {
  const st = stateWithSeedAndPeer();
  assert.equal(st.nextChangeAt(0), Infinity, "nobody rests");
  // The seed says: come back in 1 ms (the holder it named could not serve us).
  st.parentDeferred(SEED, 1, 1, [], 100);
  assert.equal(st.nextChangeAt(100), 101);
  st.parentDeferred(SEED, 2, 300, [3], 100); // piece 2 held back, piece 3 suggested
  st.parentFailed(PEER, 0, "connect", 100);
  assert.equal(st.nextChangeAt(101), 400, "past the 1 ms: the held-back piece");
  assert.equal(st.nextChangeAt(400), 100 + BLOCK_MS.connect, "then the failed peer's block");
  assert.equal(st.nextChangeAt(100 + BLOCK_MS.connect), Infinity);
});

Deno.test("unreachable: blocked after a failed connection, not after a timeout", () => {
  const st = stateWithSeedAndPeer();
  assert.equal(st.unreachable(PEER, 0), false);
  st.parentFailed(PEER, 0, "timeout", 100);
  assert.equal(st.unreachable(PEER, 200), false, "a busy host may time out");
  st.parentFailed(PEER, 1, "connect", 300);
  assert.equal(st.unreachable(PEER, 400), true);
  assert.equal(st.unreachable(PEER, 300 + BLOCK_MS.connect), false, "the block ran out");
  assert.equal(st.unreachable(NEW, 400), false, "unknown host");
});

Deno.test("the tracker's bitmap confirming a named piece ends the hint", () => {
  const st = stateWithSeedAndPeer();
  st.holderHinted({ hostId: PEER, addr: "aaaa:65002" }, 1, 10);
  const has1 = new Bitset(4);
  has1.add(1);
  st.applyAnnounce({
    task: { id: "t", length: 16, pieceSize: 4, pieceCount: 4, etag: null, lastModified: null },
    digests: [],
    digestCursor: 0,
    backToSource: false,
    listing: 0,
    parents: [{
      hostId: PEER,
      addr: "aaaa:65002",
      idc: "",
      seed: false,
      score: 2,
      pieces: has1.toBase64(),
    }],
    announceAfterMs: 1000,
    resync: false,
  }, 50);
  assert.equal(st.parents.get(PEER)!.hinted.size, 0);
  assert.equal(st.notHeldYet(PEER, 1, 100), false);
});

Deno.test("an answer that leaves listed parents out keeps them, and its token is echoed next", () => {
  const st = stateWithSeedAndPeer();
  assert.equal(st.listing, 0);
  st.applyAnnounce({
    task: { id: "t", length: 16, pieceSize: 4, pieceCount: 4, etag: null, lastModified: null },
    digests: [],
    digestCursor: 0,
    backToSource: false,
    listing: 42,
    parents: [],
    announceAfterMs: 1000,
    resync: false,
  }, 14_000);
  assert.equal(st.listing, 42);
  assert.deepEqual([...st.parents.keys()].sort(), [PEER, SEED].sort());
  assert.equal(pick(st, 1), SEED);
});
