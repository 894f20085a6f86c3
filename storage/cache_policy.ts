/**
 * @module cache_policy — which cached tasks a garbage collection removes:
 * finished tasks nobody uses that were not read for longer than the TTL,
 * then least recently used ones until the cache fits its quota. Pure, so
 * `dfly cache gc`, the agent's periodic sweep and tests share one rule.
 */

/** What the policy needs to know of one cached task. */
export interface CachedTaskView {
  id: string;
  /** Bytes the task takes (its full length: partial tasks reserve it). */
  length: number;
  /** Wall-clock ms of the last read or write. */
  lastAccess: number;
  complete: boolean;
  /** A download, upload or stream uses it now: never removed. */
  inUse: boolean;
}

/** Why a task is removed. */
export type EvictionReason = "expired" | "quota";

/** Limits of {@link chooseEvictions}; 0 disables either. */
export interface CachePolicyOptions {
  now: number;
  /** Tasks unread for longer than this go; 0 keeps them forever. */
  ttlMs: number;
  /** Cache quota in bytes; 0 is none. */
  quota: number;
}

/**
 * The tasks to remove, in order, with the reason for each.
 *
 * @example
 * ```ts
 * import { chooseEvictions } from "./cache_policy.ts";
 * const t = (id: string, lastAccess: number) =>
 *   ({ id, length: 10, lastAccess, complete: true, inUse: false });
 * const out = chooseEvictions([t("a", 0), t("b", 50), t("c", 90)], { now: 100, ttlMs: 60, quota: 10 });
 * if (out.map((e) => `${e.id}:${e.reason}`).join() !== "a:expired,b:quota") throw new Error();
 * ```
 */
export function chooseEvictions(
  tasks: readonly CachedTaskView[],
  { now, ttlMs, quota }: CachePolicyOptions,
): { id: string; reason: EvictionReason }[] {
  const out: { id: string; reason: EvictionReason }[] = [];
  let usage = tasks.reduce((sum, t) => sum + t.length, 0);
  const removable = tasks
    .filter((t) => t.complete && !t.inUse)
    .sort((a, b) => a.lastAccess - b.lastAccess || (a.id < b.id ? -1 : 1));
  const kept: CachedTaskView[] = [];
  for (const t of removable) {
    if (ttlMs > 0 && now - t.lastAccess > ttlMs) {
      out.push({ id: t.id, reason: "expired" });
      usage -= t.length;
    } else {
      kept.push(t);
    }
  }
  if (quota > 0) {
    for (const t of kept) {
      if (usage <= quota) break;
      out.push({ id: t.id, reason: "quota" });
      usage -= t.length;
    }
  }
  return out;
}
