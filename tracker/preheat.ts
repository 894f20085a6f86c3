/**
 * @module preheat — `POST /api/v1/preheat`: have a seed fetch a task before
 * the fleet asks for it. The decision is pure ({@link decidePreheat}):
 * nothing to do when a live host already holds the whole task, nothing new
 * while a seed is on it, else the least busy live seed is asked — so a
 * preheat is idempotent and never sends two seeds to the origin.
 */
import type { HostRec, TaskRec } from "./model.ts";
import type { TriggerSeed } from "./seed_trigger.ts";
import type { TrackerState } from "./state.ts";
import type { Logger } from "../util/log.ts";
import type { PreheatResponse } from "../wire_ops.ts";

/** What {@link decidePreheat} looks at. */
export interface PreheatView {
  /** Live hosts holding the whole task, seeds first. */
  done: string[];
  /** Live seeds fetching the task now (announced, or triggered within the grace). */
  running: string[];
  /** Live, usable seeds not on the task, least busy first. */
  seeds: string[];
}

/** What to do about a preheat. */
export type PreheatDecision =
  | { action: "done" | "running" | "start"; seed: string }
  | { action: "no_seed" };

/**
 * Decides a preheat from the task's view.
 *
 * @example
 * ```ts
 * import { decidePreheat } from "./preheat.ts";
 * const d = decidePreheat({ done: [], running: [], seeds: ["s1", "s2"] });
 * if (d.action !== "start" || d.seed !== "s1") throw new Error();
 * ```
 */
export function decidePreheat(view: PreheatView): PreheatDecision {
  if (view.done.length > 0) return { action: "done", seed: view.done[0] };
  if (view.running.length > 0) return { action: "running", seed: view.running[0] };
  if (view.seeds.length > 0) return { action: "start", seed: view.seeds[0] };
  return { action: "no_seed" };
}

/** The view of `task` (which may not exist yet) at `now`. */
export function preheatView(
  state: TrackerState,
  task: TaskRec | undefined,
  now: number,
): PreheatView {
  const usable = (host: HostRec | undefined): host is HostRec => state.isUsable(host, now);
  const done: HostRec[] = [];
  const running: string[] = [];
  for (const peer of task?.peers.values() ?? []) {
    const host = state.hosts.get(peer.hostId);
    if (!usable(host)) continue;
    if (peer.done) done.push(host);
    else if (host.seed) running.push(host.id);
  }
  const trigger = task?.trigger;
  if (
    trigger && !task!.peers.has(trigger.hostId) && now - trigger.at < state.options.seedGraceMs &&
    usable(state.hosts.get(trigger.hostId))
  ) {
    running.push(trigger.hostId);
  }
  const seeds: HostRec[] = [];
  for (const id of state.seeds) {
    const host = state.hosts.get(id);
    if (!usable(host) || task?.peers.has(id) || task?.failedSeeds.has(id)) continue;
    seeds.push(host);
  }
  return {
    done: done.sort((a, b) => Number(b.seed) - Number(a.seed)).map((h) => h.id),
    running,
    seeds: seeds.sort((a, b) => a.uploads - b.uploads).map((h) => h.id),
  };
}

/** What {@link handlePreheat} needs. */
export interface PreheatDeps {
  state: TrackerState;
  now: number;
  triggerSeed: TriggerSeed;
  log: Logger;
}

/**
 * Applies a preheat of task `id` (`url`, `tag`); returns null when no seed
 * is connected.
 */
export function handlePreheat(
  req: { id: string; url: string; tag: string },
  deps: PreheatDeps,
): PreheatResponse | null {
  const { state, now, log } = deps;
  const existing = state.tasks.get(req.id);
  const decision = decidePreheat(preheatView(state, existing, now));
  if (decision.action === "no_seed") return null;
  if (decision.action !== "start") {
    return { taskId: req.id, status: decision.action, seed: decision.seed };
  }
  const task = state.ensureTask(req.id, req.url, req.tag, now);
  const seed = state.hosts.get(decision.seed)!;
  task.trigger = { hostId: seed.id, at: now, announced: false };
  log.info("preheat: triggering seed", { task: req.id, seed: seed.id, addr: seed.addr });
  deps.triggerSeed(seed, { taskId: req.id, url: req.url, tag: req.tag });
  return { taskId: req.id, status: "started", seed: seed.id };
}
