/**
 * @module parent_choice — which parent serves a piece. Pure: weighs each
 * eligible parent by its measured speed (unmeasured ones get the best speed
 * seen, so they are tried), the tracker's score, and how busy it already is.
 * A seed can be made the last resort: asked only for pieces no other parent
 * holds, with fewer requests at a time, so its one link carries distinct
 * pieces that the swarm then spreads.
 */

/** A parent as the downloader sees it. */
export interface ParentView {
  hostId: string;
  /** The tracker's score (higher is better; any positive scale). */
  score: number;
  /** Requests to it in flight now. */
  inFlight: number;
  /** Measured bytes per second, or null before the first piece. */
  speed: number | null;
  /** Locally blocked after failures. */
  blocked: boolean;
  /**
   * Told us to come back shortly (all upload slots taken): not asked now, but
   * still a holder, so a seed is not asked in its place.
   */
  busy?: boolean;
  /** A seed (see {@link ChooseParentOptions.seedLastResort}). */
  seed?: boolean;
  /** A piece transfer from it failed lately: no endgame duplicate goes there. */
  failedRecently?: boolean;
  has(piece: number): boolean;
}

/** Options of {@link chooseParent}. */
export interface ChooseParentOptions {
  /** Requests one parent may have in flight. */
  maxInFlight: number;
  /** Parents already fetching this piece (endgame duplicates go elsewhere). */
  exclude?: ReadonlySet<string>;
  /**
   * Ask a seed only for pieces no unblocked non-seed parent holds: otherwise
   * every downloader pulls the same pieces from the seed at once and the
   * origin host sends many copies (measured in docs/SWARM.md).
   */
  seedLastResort?: boolean;
  /** Requests one seed may have in flight (default {@link ChooseParentOptions.maxInFlight}). */
  maxInFlightSeed?: number;
  /**
   * Picking a second parent for a piece in flight (endgame). Parents in
   * `exclude` and parents that failed lately do not count as holders then: the
   * duplicate exists because they may not deliver, so with no other peer
   * holding the piece, a seed may be asked.
   */
  duplicate?: boolean;
  random: () => number;
}

/**
 * Picks a parent for `piece` at random, weighted by speed × relative score ÷
 * (1 + in-flight); null when no parent may serve it now.
 *
 * @example
 * ```ts
 * import { chooseParent } from "./parent_choice.ts";
 * const p = (hostId: string, inFlight: number) =>
 *   ({ hostId, score: 1, inFlight, speed: 100, blocked: false, has: () => true });
 * const got = chooseParent(0, [p("a", 4), p("b", 0)], { maxInFlight: 4, random: () => 0.5 });
 * if (got?.hostId !== "b") throw new Error("a is full");
 * ```
 */
export function chooseParent<P extends ParentView>(
  piece: number,
  parents: readonly P[],
  options: ChooseParentOptions,
): P | null {
  let holders = parents.filter((p) => !p.blocked && p.has(piece));
  if (options.duplicate) holders = holders.filter((p) => !p.failedRecently);
  const counted = options.duplicate
    ? holders.filter((p) => !options.exclude?.has(p.hostId))
    : holders;
  const candidates = options.seedLastResort && counted.some((p) => !p.seed)
    ? holders.filter((p) => !p.seed)
    : holders;
  const seedLimit = options.maxInFlightSeed ?? options.maxInFlight;
  const eligible = candidates.filter((p) =>
    !p.busy && p.inFlight < (p.seed ? seedLimit : options.maxInFlight) &&
    !options.exclude?.has(p.hostId)
  );
  if (eligible.length === 0) return null;
  let bestSpeed = 0;
  let bestScore = 0;
  for (const p of eligible) {
    bestSpeed = Math.max(bestSpeed, p.speed ?? 0);
    bestScore = Math.max(bestScore, p.score);
  }
  const weights = eligible.map((p) => {
    const speed = p.speed ?? (bestSpeed || 1);
    const score = bestScore > 0 ? Math.max(p.score, 0) / bestScore : 1;
    return Math.max(speed * (0.25 + 0.75 * score) / (1 + p.inFlight), Number.MIN_VALUE);
  });
  const total = weights.reduce((a, b) => a + b, 0);
  let r = options.random() * total;
  for (let i = 0; i < eligible.length; i++) {
    r -= weights[i];
    if (r < 0) return eligible[i];
  }
  return eligible[eligible.length - 1];
}
