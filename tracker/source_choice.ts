/**
 * @module source_choice — who fetches a task from the origin. Seeds always
 * do; otherwise a live seed is triggered first, and only without one do the
 * first `--source-peers` peers go themselves. Pure: the caller gathers the
 * facts, applies the answer (trigger a seed, mark one failed) and keeps time.
 */

/** The facts about one announcing peer and its task. */
export interface SourceChoiceInput {
  now: number;
  /** How long a triggered seed has to announce the task (`--seed-grace`). */
  seedGraceMs: number;
  /** Most concurrent source-goers per task when no seed fetches it (`--source-peers`). */
  maxSourcePeers: number;
  /** The requester is a seed agent. */
  requesterIsSeed: boolean;
  /** The requester was already sent to the source for this task. */
  requesterIsSourceGoer: boolean;
  /** The requester reported a source error for this task (now or before). */
  requesterSourceFailed: boolean;
  /** The requester holds the whole task. */
  requesterDone: boolean;
  /** The download carries source credentials, so no seed can fetch it. */
  private: boolean;
  /** Some peer of the task holds every piece. */
  anyDone: boolean;
  /** Other peers sent to the source, alive, recently announced, no source error. */
  activeSourceGoers: number;
  /** One of those active source-goers is a seed. */
  activeSeed: boolean;
  /** The last seed triggered for this task, if any. */
  trigger: { hostId: string; at: number; announced: boolean } | null;
  /** Live seed hosts not on this task and not failed for it, best first (called lazily). */
  seeds: () => string[];
}

/** The decision, plus what the caller must do about seeds. */
export interface SourceChoice {
  backToSource: boolean;
  /** Ask this seed to fetch the task now. */
  triggerSeed?: string;
  /** This triggered seed did not show up in time: do not trigger it again for the task. */
  seedFailed?: string;
}

/**
 * Decides whether the requester goes to the source.
 *
 * @example
 * ```ts
 * import { chooseSource } from "./source_choice.ts";
 * const facts = { now: 0, seedGraceMs: 3000, maxSourcePeers: 1, requesterIsSeed: false,
 *   requesterIsSourceGoer: false, requesterSourceFailed: false, requesterDone: false,
 *   private: false, anyDone: false, activeSourceGoers: 0, activeSeed: false, trigger: null };
 * const a = chooseSource({ ...facts, seeds: () => ["s1"] });
 * if (a.backToSource || a.triggerSeed !== "s1") throw new Error();
 * const b = chooseSource({ ...facts, seeds: () => [] });
 * if (!b.backToSource) throw new Error();
 * ```
 */
export function chooseSource(input: SourceChoiceInput): SourceChoice {
  if (input.requesterDone || input.requesterSourceFailed) return { backToSource: false };
  if (input.requesterIsSeed) return { backToSource: true };
  if (input.requesterIsSourceGoer) {
    // A peer sent while the seed was late steps back once a seed fetches (or
    // someone holds everything): the origin should send about one copy.
    return { backToSource: !(input.activeSeed || input.anyDone) };
  }
  if (input.anyDone || input.activeSeed) return { backToSource: false };
  if (input.activeSourceGoers >= input.maxSourcePeers) return { backToSource: false };
  if (input.activeSourceGoers > 0 || input.private) return { backToSource: true };

  let seedFailed: string | undefined;
  const trigger = input.trigger;
  if (trigger && !trigger.announced) {
    if (input.now - trigger.at < input.seedGraceMs) return { backToSource: false };
    seedFailed = trigger.hostId;
  }
  const seed = input.seeds().find((id) => id !== seedFailed);
  const choice: SourceChoice = seed === undefined
    ? { backToSource: true }
    : { backToSource: false, triggerSeed: seed };
  if (seedFailed !== undefined) choice.seedFailed = seedFailed;
  return choice;
}
