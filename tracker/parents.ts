/**
 * @module parents — the parent hand-out: gathers useful candidates of a task
 * for one requester (alive, not isolated, holding a piece it lacks), scores
 * them and samples by score. Looks at a bounded window of peers from a random
 * start, so the cost stays flat however many peers a task has.
 */
import type { ParentInfo } from "../wire.ts";
import type { HostRec, PeerRec, TaskRec } from "./model.ts";
import { chooseParents, scoreParent } from "./parent_score.ts";
import type { TrackerState } from "./state.ts";
import { recentFailures } from "./host_health.ts";

/** Parents per answer. */
export const PARENT_LIMIT = 16;
/** Useful candidates gathered before sampling. */
const POOL = 4 * PARENT_LIMIT;

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x &= x - 1) n++;
  return n;
});

/** Pieces `parent` holds that `requester` lacks (same-sized bitmaps). */
export function usefulPieces(parent: Uint8Array, requester: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < parent.length; i++) n += POPCOUNT[parent[i] & ~requester[i] & 0xff];
  return n;
}

interface Candidate {
  peer: PeerRec;
  host: HostRec;
  score: number;
}

/** Up to {@link PARENT_LIMIT} parents for `requester` in `task`, sampled by score. */
export function selectParents(
  state: TrackerState,
  task: TaskRec,
  requester: { peer: PeerRec; host: HostRec },
  now: number,
  random: () => number,
): ParentInfo[] {
  const mine = requester.peer.bitmap;
  if (!mine || requester.peer.done || mine.complete) return [];
  const missing = mine.size - mine.count;
  const list = task.peerList;
  const pool: Candidate[] = [];
  const start = Math.floor(random() * list.length);
  for (let i = 0; i < list.length && pool.length < POOL; i++) {
    const peer = list[(start + i) % list.length];
    if (peer === requester.peer || !peer.bitmap || peer.bitmap.count === 0) continue;
    const host = state.hosts.get(peer.hostId);
    if (!state.isUsable(host, now)) continue;
    const useful = mine.count === 0
      ? peer.bitmap.count
      : usefulPieces(peer.bitmap.bytes, mine.bytes);
    if (useful === 0) continue;
    const score = scoreParent({
      usefulPieces: useful,
      missingPieces: missing,
      done: peer.done,
      seed: host.seed,
      uploads: host.uploads,
      recentFailures: recentFailures(host.recentFailures, now).length,
      sameIdc: host.idc !== "" && host.idc === requester.host.idc,
    });
    pool.push({ peer, host, score });
  }
  return chooseParents(pool, PARENT_LIMIT, random).map(({ peer, host, score }) => ({
    hostId: host.id,
    addr: host.addr,
    idc: host.idc,
    seed: host.seed,
    score: Math.round(score * 1000) / 1000,
    pieces: peer.encoded ??= peer.bitmap!.toBase64(),
  }));
}
