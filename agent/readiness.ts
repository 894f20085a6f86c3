/**
 * @module readiness — the agent's `/readyz` checks: its piece store is
 * loaded (true once the app exists), it is not shutting down, and a tracker
 * answered lately. Without a tracker the agent still serves what it holds
 * and downloads from the source, so that check says why it is degraded.
 */
import type { ReadinessCheck } from "../util/readiness.ts";

/** What the tracker pool reports (see `TrackerPool.status()`). */
export interface TrackerStatus {
  up: string[];
  down: string[];
  /** Some tracker answered at least once since start. */
  answered: boolean;
}

/**
 * The agent's readiness checks.
 *
 * @example
 * ```ts
 * import { agentReadiness } from "./readiness.ts";
 * const checks = agentReadiness({ up: ["http://t:8002"], down: [], answered: true }, false);
 * if (!checks.tracker.ok || !checks.serving.ok) throw new Error();
 * ```
 */
export function agentReadiness(
  trackers: TrackerStatus,
  stopping: boolean,
): Record<string, ReadinessCheck> {
  const total = trackers.up.length + trackers.down.length;
  const reachable = trackers.answered && trackers.up.length > 0;
  return {
    store: { ok: true, detail: "loaded" },
    serving: stopping ? { ok: false, detail: "shutting down" } : { ok: true, detail: "yes" },
    tracker: reachable
      ? { ok: true, detail: `${trackers.up.length} of ${total} reachable` }
      : { ok: false, detail: trackers.answered ? "none reachable" : "not reached yet" },
  };
}
