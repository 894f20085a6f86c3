/**
 * @module overview — the read-only answers behind the dashboard and the
 * operator commands: every task with its progress, every host with its
 * traffic, the swarm's origin offload, and one task's piece map.
 */
import type { HostTraffic, Overview, PieceMap, TaskOverview } from "../wire.ts";
import type { TaskRec } from "./model.ts";
import { buildPieceMap, type PieceMapOptions } from "./piece_map.ts";
import type { TrackerState } from "./state.ts";
import type { TrafficBook } from "./traffic.ts";
import { taskSummary } from "./views.ts";

/** Mean fraction of the pieces each peer of `task` holds. */
export function taskProgress(task: TaskRec): number {
  if (!task.pieceCount || task.peers.size === 0) return 0;
  let held = 0;
  for (const peer of task.peers.values()) held += peer.bitmap?.count ?? 0;
  return held / (task.peers.size * task.pieceCount);
}

/** Builds the {@link Overview} from the state and the hosts' traffic reports. */
export function buildOverview(
  state: TrackerState,
  traffic: TrafficBook,
  now: number,
  version: string,
  maxHosts = Infinity,
): Overview {
  const tasks: TaskOverview[] = [...state.tasks.values()].map((t) => ({
    ...taskSummary(t),
    progress: taskProgress(t),
  }));
  traffic.prune((id) => state.hosts.has(id));
  const totals = { fromPeers: 0, fromSource: 0, uploaded: 0 };
  const hosts: HostTraffic[] = [...state.hosts.values()].map((h) => {
    const t = traffic.get(h.id);
    const s = t?.stats ?? { fromPeers: 0, fromSource: 0, uploaded: 0 };
    totals.fromPeers += s.fromPeers;
    totals.fromSource += s.fromSource;
    totals.uploaded += s.uploaded;
    return {
      id: h.id,
      addr: h.addr,
      idc: h.idc,
      seed: h.seed,
      ...s,
      downRate: t?.downRate ?? 0,
      upRate: t?.upRate ?? 0,
      uploads: h.uploads,
      lastSeen: h.lastSeen,
    };
  });
  const all = totals.fromPeers + totals.fromSource;
  const busiest = hosts.length <= maxHosts ? hosts : hosts
    .sort((a, b) => b.downRate + b.upRate - (a.downRate + a.upRate) || a.addr.localeCompare(b.addr))
    .slice(0, maxHosts);
  return {
    now,
    version,
    tasks,
    hosts: busiest,
    hostCount: hosts.length,
    totals: { ...totals, offload: all > 0 ? totals.fromPeers / all : null },
  };
}

/** The piece map of `task` (empty while its piece count is unknown). */
export function taskPieceMap(
  state: TrackerState,
  task: TaskRec,
  options: PieceMapOptions,
): PieceMap {
  const peers = [...task.peers.values()].map((p) => ({
    label: state.hosts.get(p.hostId)?.addr ?? p.hostId.slice(0, 8),
    bitmap: p.bitmap,
  }));
  return buildPieceMap(task.id, task.pieceCount ?? 0, task.pieceCount ? peers : [], options);
}
