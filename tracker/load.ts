/**
 * @module load — rebuilds a {@link TrackerState} from the rows `loadState`
 * read at start-up, so a restarted tracker knows its tasks, digests, peers
 * and hosts again.
 */
import { Bitset } from "../util/bitset.ts";
import type * as schema from "./db/schema.ts";
import { newTask } from "./model.ts";
import { TrackerState, type TrackerStateOptions } from "./state.ts";

/** Everything `loadState` reads from the db. */
export interface Snapshot {
  hosts: (typeof schema.hosts.$inferSelect)[];
  tasks: (typeof schema.tasks.$inferSelect)[];
  pieces: (typeof schema.pieces.$inferSelect)[];
  peers: (typeof schema.peers.$inferSelect)[];
  /** Failures per task and reported host. */
  failureCounts: { taskId: string; hostId: string; count: number }[];
}

/**
 * Rebuilds the runtime model from db rows. Hosts get `lastSeen = now`, so each
 * has one TTL to heartbeat again before it expires.
 */
export function stateFromSnapshot(
  snap: Snapshot,
  options: TrackerStateOptions,
  now: number,
): TrackerState {
  const state = new TrackerState(options);
  for (const row of snap.hosts) {
    state.hosts.set(row.id, {
      id: row.id,
      addr: row.addr,
      idc: row.idc,
      seed: row.seed,
      uploads: 0,
      lastSeen: now,
      createdAt: row.createdAt,
      failures: row.failures,
      recentFailures: [],
      isolatedUntil: row.isolatedUntil,
      tasks: new Set(),
      savedSeen: now,
    });
    if (row.seed) state.seeds.add(row.id);
  }
  for (const row of snap.tasks) {
    const task = newTask(row);
    task.length = row.length;
    task.pieceSize = row.pieceSize;
    task.pieceCount = row.pieceCount;
    task.etag = row.etag;
    task.lastModified = row.lastModified;
    task.digestSeq = row.digestSeq;
    if (task.pieceCount !== null) task.digests = new Array(task.pieceCount);
    state.tasks.set(task.id, task);
  }
  const pieces = [...snap.pieces].sort((a, b) => a.seq - b.seq);
  for (const row of pieces) {
    const task = state.tasks.get(row.taskId);
    if (!task || task.pieceCount === null || row.idx >= task.pieceCount) continue;
    if (task.digests[row.idx] !== undefined) continue;
    task.digests[row.idx] = row.digest;
    task.digestLog.push({ idx: row.idx, digest: row.digest, seq: row.seq });
    task.digestSeq = Math.max(task.digestSeq, row.seq);
  }
  for (const row of snap.peers) {
    const task = state.tasks.get(row.taskId);
    const host = state.hosts.get(row.hostId);
    if (!task || !host) {
      state.changes.peerGone(row.taskId, row.hostId);
      continue;
    }
    const { peer } = state.ensurePeer(task, host, row.updatedAt);
    peer.lastAnnounce = now;
    if (task.pieceCount !== null && row.bitmap) {
      try {
        peer.bitmap = new Bitset(task.pieceCount, new Uint8Array(row.bitmap));
      } catch {
        // A bitmap of another size: the peer resends its set when asked.
      }
    }
    if (row.done) state.setDone(task, peer, true, row.updatedAt);
    if (row.source) state.setSource(task, peer, true, row.updatedAt);
  }
  for (const { taskId, hostId, count } of snap.failureCounts) {
    const peer = state.tasks.get(taskId)?.peers.get(hostId);
    if (peer) peer.failures = count;
  }
  // Rebuilding noted every record as changed; none of it needs writing back.
  const gone = [...state.changes.deletedPeers.values()];
  state.changes.clear();
  for (const { taskId, hostId } of gone) state.changes.peerGone(taskId, hostId);
  return state;
}
