/**
 * @module metrics — the tracker's Prometheus metrics: announce and hand-out
 * counts and latency, heartbeats, db write errors and durations, and gauges
 * read from the state at scrape time. One set per tracker app.
 */
import { Registry } from "../util/metrics.ts";
import type { TrackerState } from "./state.ts";
import type { TrafficBook } from "./traffic.ts";

/** Buckets for in-memory request handling: 50 µs … 1 s. */
const HANDLER_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.1, 1];

/** The tracker's metrics, updated by its routes and its flush timer. */
export function createTrackerMetrics() {
  const registry = new Registry();
  return {
    registry,
    announces: registry.counter({
      name: "dfly_tracker_announces_total",
      help: "Announces answered.",
    }),
    announceSeconds: registry.histogram({
      name: "dfly_tracker_announce_duration_seconds",
      help: "Time to apply an announce and pick its parents (hand-out latency).",
      buckets: HANDLER_BUCKETS,
    }),
    parentsHandedOut: registry.counter({
      name: "dfly_tracker_parents_handed_out_total",
      help: "Parents handed out in announce answers.",
    }),
    sentToSource: registry.counter({
      name: "dfly_tracker_back_to_source_total",
      help: "Announce answers that told the peer to fetch from the source.",
    }),
    heartbeats: registry.counter({
      name: "dfly_tracker_heartbeats_total",
      help: "Host heartbeats received.",
    }),
    dbErrors: registry.counter({
      name: "dfly_tracker_db_errors_total",
      help: "Failed writes of state changes to the database.",
    }),
    dbWriteSeconds: registry.histogram({
      name: "dfly_tracker_db_write_duration_seconds",
      help: "Time to write one batch of state changes to the database.",
    }),
  };
}

/** What {@link createTrackerMetrics} returns. */
export type TrackerMetrics = ReturnType<typeof createTrackerMetrics>;

/** Registers the scrape-time gauges that read the state and the traffic book. */
export function addStateGauges(
  metrics: TrackerMetrics,
  state: TrackerState,
  traffic: TrafficBook,
  version: string,
): void {
  const r = metrics.registry;
  r.gauge({
    name: "dfly_build_info",
    help: "Always 1; labels say which dfly this is.",
    labelNames: ["version", "role"],
    collect: () => [[{ version, role: "tracker" }, 1]],
  });
  r.gauge({ name: "dfly_tracker_tasks", help: "Tasks known.", collect: () => state.tasks.size });
  r.gauge({ name: "dfly_tracker_hosts", help: "Hosts known.", collect: () => state.hosts.size });
  r.gauge({
    name: "dfly_tracker_seeds",
    help: "Seed hosts known.",
    collect: () => state.seeds.size,
  });
  r.gauge({
    name: "dfly_tracker_peers",
    help: "Peers summed over all tasks (a host in two tasks counts twice).",
    collect: () => {
      let n = 0;
      for (const t of state.tasks.values()) n += t.peers.size;
      return n;
    },
  });
  r.gauge({
    name: "dfly_tracker_swarm_download_bytes",
    help: "Bytes the live hosts report having downloaded since they started, by origin.",
    labelNames: ["origin"],
    collect: () => {
      let peer = 0;
      let source = 0;
      for (const id of state.hosts.keys()) {
        const t = traffic.get(id);
        peer += t?.stats.fromPeers ?? 0;
        source += t?.stats.fromSource ?? 0;
      }
      return [[{ origin: "peer" }, peer], [{ origin: "source" }, source]];
    },
  });
}
