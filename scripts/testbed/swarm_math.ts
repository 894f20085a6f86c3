/**
 * @module swarm_math — the numbers a swarm benchmark reports: the lower bound
 * T_min of distributing one file to N hosts, medians and percentiles. Pure
 * functions, so the bench's arithmetic is tested in microseconds.
 */

/** Links of one swarm, in bytes per second. */
export interface SwarmLinks {
  /** File size in bytes. */
  fileBytes: number;
  /** Upload rate of the origin host (the only holder at the start). */
  originUp: number;
  /** Download rate of each client. */
  clientDown: number[];
  /** Upload rate of each client (same order as {@link SwarmLinks.clientDown}). */
  clientUp: number[];
}

/**
 * The least time any method can take to give every client the whole file:
 * the origin must send it once (F/u_s), the slowest client must receive it
 * (F/d_min), and all N copies must be uploaded by someone
 * (N·F/(u_s + Σu_i)). Seconds.
 *
 * @example
 * ```ts
 * import { tMin } from "./swarm_math.ts";
 * const mbit = 100e6 / 8;
 * const t = tMin({ fileBytes: mbit * 10, originUp: mbit, clientDown: [mbit, mbit], clientUp: [mbit, mbit] });
 * if (t !== 10) throw new Error(String(t));
 * ```
 */
export function tMin(links: SwarmLinks): number {
  const { fileBytes: f, originUp, clientDown, clientUp } = links;
  const n = clientDown.length;
  if (n === 0 || n !== clientUp.length) {
    throw new RangeError(
      `Cannot compute T_min as clients need both rates: current value is ${n} down, ${clientUp.length} up`,
    );
  }
  if (originUp <= 0 || clientDown.some((d) => d <= 0)) {
    throw new RangeError("Cannot compute T_min as a rate is not positive");
  }
  const totalUp = originUp + clientUp.reduce((a, b) => a + b, 0);
  return Math.max(f / originUp, f / Math.min(...clientDown), (n * f) / totalUp);
}

/** Median of numbers (mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The p-th percentile (0–100) by nearest rank; NaN when empty.
 *
 * @example
 * ```ts
 * import { percentile } from "./swarm_math.ts";
 * const xs = Array.from({ length: 100 }, (_, i) => i + 1);
 * if (percentile(xs, 99) !== 99 || percentile(xs, 50) !== 50) throw new Error();
 * ```
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Cannot take percentile ${p}: use 0 to 100`);
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1];
}
