/**
 * @module heartbeat — host liveness and inventory: a heartbeat keeps a host
 * alive (and, after the tracker lost it, carries its full task inventory);
 * a leave drops the host from tasks it no longer holds.
 */
import { Bitset } from "../util/bitset.ts";
import type { HeartbeatRequest, HeartbeatResponse, LeaveRequest } from "../wire.ts";
import type { TrackerState } from "./state.ts";

/** Heartbeat interval for a peer TTL: about a third, so one lost beat is harmless. */
export function heartbeatInterval(peerTtlMs: number): number {
  return Math.max(100, Math.round(peerTtlMs / 3));
}

/** Applies a heartbeat; asks for the inventory when the host was unknown. */
export function handleHeartbeat(
  state: TrackerState,
  req: HeartbeatRequest,
  now: number,
): HeartbeatResponse {
  const { host, known } = state.touchHost(req.host, now);
  for (const entry of req.tasks ?? []) {
    const task = state.tasks.get(entry.id);
    if (!task || task.pieceCount === null) continue;
    let held: Bitset;
    try {
      held = Bitset.fromBase64(task.pieceCount, entry.pieces);
    } catch {
      continue; // another version of the task, or garbage: not a piece set we can use
    }
    const bitmap = new Bitset(task.pieceCount);
    for (const idx of held) if (task.digests[idx] !== undefined) bitmap.add(idx);
    if (bitmap.count === 0 && !entry.done) continue;
    const { peer } = state.ensurePeer(task, host, now);
    peer.bitmap = bitmap;
    state.peerChanged(task, peer, now);
    state.setDone(task, peer, bitmap.complete, now);
  }
  return {
    resync: !known && req.tasks === null,
    heartbeatMs: heartbeatInterval(state.options.peerTtlMs),
  };
}

/** Removes the host from the listed tasks. */
export function handleLeave(state: TrackerState, req: LeaveRequest): void {
  for (const id of req.taskIds) {
    const task = state.tasks.get(id);
    if (task) state.removePeer(task, req.hostId);
  }
}
