/**
 * @module host_health — when failure reports against a host isolate it: 3
 * within a minute keep it out of parent hand-outs for two minutes. Pure.
 */

/** Failures older than this no longer count. */
export const FAILURE_WINDOW_MS = 60_000;
/** Failures within the window that isolate a host. */
export const ISOLATION_THRESHOLD = 3;
/** How long an isolated host is not handed out. */
export const ISOLATION_MS = 120_000;

/** The failure times still inside the window at `now`. */
export function recentFailures(times: readonly number[], now: number): number[] {
  return times.filter((t) => now - t < FAILURE_WINDOW_MS);
}

/**
 * Records one failure at `now`; returns the pruned times and, when the host
 * crosses the threshold, the time its isolation ends.
 *
 * @example
 * ```ts
 * import { noteFailure } from "./host_health.ts";
 * let times: number[] = [];
 * let until: number | null = null;
 * for (const t of [0, 10, 20]) ({ times, isolatedUntil: until } = noteFailure(times, t));
 * if (until !== 20 + 120_000) throw new Error();
 * ```
 */
export function noteFailure(
  times: readonly number[],
  now: number,
): { times: number[]; isolatedUntil: number | null } {
  const kept = [...recentFailures(times, now), now];
  return {
    times: kept,
    isolatedUntil: kept.length >= ISOLATION_THRESHOLD ? now + ISOLATION_MS : null,
  };
}

/** True while a host is isolated. */
export function isIsolated(isolatedUntil: number | null, now: number): boolean {
  return isolatedUntil !== null && now < isolatedUntil;
}
