/**
 * @module tracker_pool — the agent's view of several trackers
 * (`--tracker URL1,URL2,…`). Each task belongs to the tracker that
 * rendezvous hashing of its id picks; when that tracker is down the task's
 * announces go to the next tracker in the task's rendezvous order, so every
 * peer of an orphaned task meets again at the same survivor. Heartbeats go
 * to every tracker, so each knows every host (and every seed) and can hand
 * any of them out as a parent.
 */
import type { AnnounceRequest, AnnounceResponse, HeartbeatRequest } from "../wire.ts";
import type { HeartbeatResponse } from "../wire.ts";
import type { Logger } from "../util/log.ts";
import { rendezvousOrder } from "./rendezvous.ts";
import { type TrackerApi, TrackerClient, TrackerUnavailableError } from "./tracker_client.ts";

/** Options of {@link TrackerPool}. */
export interface TrackerPoolOptions {
  token: string | null;
  log: Logger;
  /** Monotonic clock in ms. */
  now: () => number;
  /** How long a failed tracker goes to the back of every order. */
  retryMs?: number;
  timeoutMs?: number;
  /** fetch to use (one that trusts `--ca` in TLS swarms). */
  fetch?: typeof fetch;
  /**
   * Called once when a tracker starts failing and once when it answers
   * again: the tasks it owns by rendezvous changed tracker.
   */
  onOwnersMoved?: (url: string) => void;
}

/** Task ids per leave request (about 67 bytes each, well under the 1 MiB body limit). */
const LEAVE_BATCH = 5000;

/** Most tasks whose tracker and digest cursor the pool remembers. */
const MAX_REMEMBERED_TASKS = 50_000;

/**
 * Splits a `--tracker` value (`URL[,URL…]`) into distinct base URLs without
 * trailing slashes; throws RangeError on anything that is not http(s).
 *
 * @example
 * ```ts
 * import { parseTrackerList } from "./tracker_pool.ts";
 * const urls = parseTrackerList("http://a:8002/, http://b:8002");
 * if (urls.join() !== "http://a:8002,http://b:8002") throw new Error();
 * ```
 */
export function parseTrackerList(text: string): string[] {
  const urls: string[] = [];
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new RangeError(`"${item}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RangeError(`"${item}" must be an http(s) URL`);
    }
    const base = item.replace(/\/+$/, "");
    if (!urls.includes(base)) urls.push(base);
  }
  if (urls.length === 0) throw new RangeError("needs at least one tracker URL");
  return urls;
}

/**
 * Orders trackers for a task: rendezvous order, but trackers known to be
 * down go last (still tried, in case all are down or one came back).
 */
export function trackerOrder(
  taskId: string,
  urls: readonly string[],
  isDown: (url: string) => boolean,
): string[] {
  const order = rendezvousOrder(taskId, urls);
  return [...order.filter((u) => !isDown(u)), ...order.filter(isDown)];
}

/** Several trackers behind the one {@link TrackerApi} the download engine uses. */
export class TrackerPool implements TrackerApi {
  readonly urls: string[];
  /** The tracker list as given, for logs. */
  readonly url: string;
  #clients = new Map<string, TrackerClient>();
  #downUntil = new Map<string, number>();
  /** Per task: the tracker that last answered and the digest cursor it gave. */
  #taskTracker = new Map<string, { url: string; cursor: number }>();
  #options: TrackerPoolOptions;
  #retryMs: number;
  #answered = false;
  /** Trackers whose last call failed (cleared by the next success). */
  #failing = new Set<string>();

  constructor(urls: readonly string[], options: TrackerPoolOptions) {
    this.urls = [...urls];
    this.url = this.urls.join(",");
    this.#options = options;
    this.#retryMs = options.retryMs ?? 10_000;
    for (const u of urls) {
      this.#clients.set(
        u,
        new TrackerClient(u, {
          token: options.token,
          timeoutMs: options.timeoutMs,
          fetch: options.fetch,
        }),
      );
    }
  }

  /** True while `url` failed within the retry period. */
  isDown(url: string): boolean {
    return (this.#downUntil.get(url) ?? -Infinity) > this.#options.now();
  }

  /** The tracker the pool would ask first about `taskId` now. */
  trackerFor(taskId: string): string {
    return trackerOrder(taskId, this.urls, (u) => this.isDown(u))[0];
  }

  #markDown(url: string, err: unknown): void {
    this.#downUntil.set(url, this.#options.now() + this.#retryMs);
    if (this.#failing.has(url)) return;
    this.#failing.add(url);
    this.#options.log.warn("tracker down; its tasks go to the next tracker", {
      tracker: url,
      error: (err as Error).message,
    });
    if (this.urls.length > 1) this.#options.onOwnersMoved?.(url);
  }

  #markUp(url: string): void {
    this.#answered = true;
    this.#downUntil.delete(url);
    if (!this.#failing.delete(url)) return;
    this.#options.log.info("tracker back", { tracker: url });
    if (this.urls.length > 1) this.#options.onOwnersMoved?.(url);
  }

  /**
   * Announces to the task's tracker, failing over in rendezvous order.
   * Digest cursors are per tracker: after a move the new tracker is asked
   * for every digest (cursor 0); it asks for the full piece set itself.
   */
  async announce(req: AnnounceRequest): Promise<AnnounceResponse> {
    const id = req.task.id;
    let lastError: unknown = null;
    for (const url of trackerOrder(id, this.urls, (u) => this.isDown(u))) {
      const seen = this.#taskTracker.get(id);
      const same = seen?.url === url;
      const digestCursor = same ? Math.min(req.digestCursor, seen.cursor) : 0;
      try {
        const res = await this.#clients.get(url)!.announce({ ...req, digestCursor });
        this.#markUp(url);
        if (seen && !same) {
          this.#options.log.info("task moved to another tracker", { task: id, tracker: url });
        }
        this.#remember(id, url, res.digestCursor);
        return res;
      } catch (err) {
        if (!(err instanceof TrackerUnavailableError)) throw err;
        this.#markDown(url, err);
        lastError = err;
      }
    }
    throw lastError;
  }

  #remember(id: string, url: string, cursor: number): void {
    this.#taskTracker.delete(id);
    this.#taskTracker.set(id, { url, cursor });
    if (this.#taskTracker.size > MAX_REMEMBERED_TASKS) {
      this.#taskTracker.delete(this.#taskTracker.keys().next().value!);
    }
  }

  /** Heartbeats every tracker at once; fails only when none answered. */
  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const results = await Promise.allSettled(this.urls.map(async (url) => {
      try {
        const res = await this.#clients.get(url)!.heartbeat(req);
        this.#markUp(url);
        return res;
      } catch (err) {
        this.#markDown(url, err);
        throw err;
      }
    }));
    const ok = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    if (ok.length === 0) throw (results[0] as PromiseRejectedResult).reason;
    return {
      // A tracker that lost us (restarted, or back after being down) asks itself.
      resync: ok.some((r) => r.resync),
      heartbeatMs: Math.min(...ok.map((r) => r.heartbeatMs)),
    };
  }

  /**
   * Tells the trackers that this host dropped these tasks, in batches that
   * fit a request body. Every tracker hears it: after a failover a task
   * may be known to more than one.
   */
  async leave(hostId: string, taskIds: string[]): Promise<void> {
    const batches: string[][] = [];
    for (let i = 0; i < taskIds.length; i += LEAVE_BATCH) {
      batches.push(taskIds.slice(i, i + LEAVE_BATCH));
    }
    await Promise.all(this.urls.map(async (url) => {
      for (const ids of batches) await this.#clients.get(url)!.leave(hostId, ids);
    }));
  }

  /** Trackers that answered their last call, and those that did not. */
  status(): { up: string[]; down: string[]; answered: boolean } {
    return {
      up: this.urls.filter((u) => !this.isDown(u)),
      down: this.urls.filter((u) => this.isDown(u)),
      answered: this.#answered,
    };
  }
}
