/**
 * @module views — the read-only answers of the tracker's listing routes,
 * built from the in-memory state.
 */
import type { HostSummary, PeerSummary, TaskDetail, TaskSummary } from "../wire.ts";
import { isIsolated, recentFailures } from "./host_health.ts";
import type { HostRec, TaskRec } from "./model.ts";
import type { TrackerState } from "./state.ts";

/** One task in the listing. */
export function taskSummary(task: TaskRec): TaskSummary {
  return {
    id: task.id,
    url: task.url,
    tag: task.tag,
    length: task.length,
    pieceSize: task.pieceSize,
    pieceCount: task.pieceCount,
    digests: task.digestLog.length,
    peers: task.peers.size,
    done: task.doneCount,
    createdAt: task.createdAt,
  };
}

/** One task with its peers. */
export function taskDetail(state: TrackerState, task: TaskRec): TaskDetail {
  const peerList: PeerSummary[] = [];
  for (const peer of task.peers.values()) {
    const host = state.hosts.get(peer.hostId);
    peerList.push({
      hostId: peer.hostId,
      addr: host?.addr ?? "",
      idc: host?.idc ?? "",
      seed: host?.seed ?? false,
      pieces: peer.bitmap?.count ?? 0,
      done: peer.done,
      source: peer.source,
      failures: peer.failures,
      updatedAt: peer.updatedAt,
    });
  }
  return { ...taskSummary(task), peerList };
}

/** One host in the listing. */
export function hostSummary(host: HostRec, now: number): HostSummary {
  return {
    id: host.id,
    addr: host.addr,
    idc: host.idc,
    seed: host.seed,
    uploads: host.uploads,
    lastSeen: host.lastSeen,
    failures: host.failures,
    recentFailures: recentFailures(host.recentFailures, now).length,
    isolated: isIsolated(host.isolatedUntil, now),
    isolatedUntil: host.isolatedUntil,
    tasks: host.tasks.size,
  };
}
