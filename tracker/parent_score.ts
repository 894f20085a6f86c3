/**
 * @module parent_score — how good a parent a peer is for one requester, and
 * weighted random sampling of parents by that score so load spreads over
 * every useful peer instead of always landing on the same top few. Pure:
 * `random` is passed in.
 */

/** What the tracker knows about a candidate parent, seen from one requester. */
export interface ParentStats {
  /** Pieces it holds that the requester lacks. */
  usefulPieces: number;
  /** Pieces the requester still lacks (≥ usefulPieces). */
  missingPieces: number;
  /** It holds the whole task. */
  done: boolean;
  /** It is a seed agent. */
  seed: boolean;
  /** Piece uploads it is serving right now. */
  uploads: number;
  /** Failures reported against it in the recent window. */
  recentFailures: number;
  /** It has the requester's `--idc` label. */
  sameIdc: boolean;
}

/** Uploads at which a parent's score halves. */
const UPLOAD_HALF = 4;
/** Multiplier for parents in the requester's location. */
const SAME_IDC_BONUS = 1.5;

/**
 * A positive score: more useful pieces, done and seed raise it; current
 * uploads and recent failures lower it; the same idc multiplies it.
 *
 * @example
 * ```ts
 * import { scoreParent } from "./parent_score.ts";
 * const base = { usefulPieces: 5, missingPieces: 10, done: false, seed: false,
 *   uploads: 0, recentFailures: 0, sameIdc: false };
 * if (scoreParent({ ...base, uploads: 8 }) >= scoreParent(base)) throw new Error();
 * ```
 */
export function scoreParent(stats: ParentStats): number {
  const share = stats.missingPieces > 0 ? Math.min(1, stats.usefulPieces / stats.missingPieces) : 0;
  let score = 1 + 4 * share + (stats.done ? 1 : 0) + (stats.seed ? 0.5 : 0);
  score /= 1 + Math.max(0, stats.uploads) / UPLOAD_HALF;
  score /= 1 + Math.max(0, stats.recentFailures);
  if (stats.sameIdc) score *= SAME_IDC_BONUS;
  return score;
}

/**
 * Picks up to `limit` candidates at random without replacement, each with a
 * chance proportional to its `score` (Efraimidis–Spirakis keys), best key first.
 *
 * @example
 * ```ts
 * import { chooseParents } from "./parent_score.ts";
 * const picked = chooseParents([{ score: 1 }, { score: 2 }, { score: 3 }], 2, Math.random);
 * if (picked.length !== 2) throw new Error();
 * ```
 */
export function chooseParents<T extends { score: number }>(
  candidates: readonly T[],
  limit: number,
  random: () => number,
): T[] {
  if (limit <= 0 || candidates.length === 0) return [];
  const keyed = candidates.map((candidate) => {
    const weight = Number.isFinite(candidate.score) && candidate.score > 0
      ? candidate.score
      : Number.MIN_VALUE;
    // u^(1/w): larger weights push keys towards 1.
    return { candidate, key: Math.pow(random(), 1 / weight) };
  });
  keyed.sort((a, b) => b.key - a.key);
  return keyed.slice(0, limit).map((k) => k.candidate);
}
