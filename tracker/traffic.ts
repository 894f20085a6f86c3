/**
 * @module traffic — each host's byte counters as its heartbeats report them,
 * and the rates between the last two reports. Kept apart from the tracker
 * state: it is for people looking (dashboard, `dfly stat`), not for choices.
 */
import type { HostStats } from "../wire.ts";

/** One host's last report and the rates it implies. */
export interface HostTrafficRec {
  stats: HostStats;
  at: number;
  /** Bytes per second between the last two reports. */
  downRate: number;
  upRate: number;
}

/**
 * Rates between two reports in bytes/s. A counter that went down means the
 * agent restarted: the new counters are all that moved since.
 *
 * @example
 * ```ts
 * import { trafficRates } from "./traffic.ts";
 * const r = trafficRates(
 *   { stats: { fromPeers: 0, fromSource: 0, uploaded: 0 }, at: 0 },
 *   { stats: { fromPeers: 1500, fromSource: 500, uploaded: 1000 }, at: 2000 },
 * );
 * if (r.downRate !== 1000 || r.upRate !== 500) throw new Error();
 * ```
 */
export function trafficRates(
  prev: { stats: HostStats; at: number },
  next: { stats: HostStats; at: number },
): { downRate: number; upRate: number } {
  const seconds = (next.at - prev.at) / 1000;
  if (!(seconds > 0)) return { downRate: 0, upRate: 0 };
  const delta = (a: number, b: number) => b >= a ? b - a : b;
  const down = delta(prev.stats.fromPeers, next.stats.fromPeers) +
    delta(prev.stats.fromSource, next.stats.fromSource);
  return {
    downRate: down / seconds,
    upRate: delta(prev.stats.uploaded, next.stats.uploaded) / seconds,
  };
}

/** Host id → last traffic report. Not thread-safe; only request handlers touch it. */
export class TrafficBook {
  readonly #hosts = new Map<string, HostTrafficRec>();

  /** Takes one heartbeat's counters. */
  record(hostId: string, stats: HostStats, at: number): void {
    const prev = this.#hosts.get(hostId);
    const rates = prev ? trafficRates(prev, { stats, at }) : { downRate: 0, upRate: 0 };
    this.#hosts.set(hostId, { stats, at, ...rates });
  }

  /** The last report of a host, if any. */
  get(hostId: string): HostTrafficRec | undefined {
    return this.#hosts.get(hostId);
  }

  /** Forgets hosts for which `keep` says no (expired ones). */
  prune(keep: (hostId: string) => boolean): void {
    for (const id of this.#hosts.keys()) if (!keep(id)) this.#hosts.delete(id);
  }
}
