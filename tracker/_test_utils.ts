/**
 * @module _test_utils — fixtures for tracker tests: hosts, announce bodies,
 * a fake clock, a seeded random source, and a tracker app over a real libsql
 * file in a temp dir that can be flushed and reopened like a restart.
 */
import { createLogger, setLogLevel } from "../util/log.ts";
import type { AnnounceRequest, HostInfo, SeedRequest } from "../wire.ts";
import { TOKEN_HEADER } from "../wire.ts";
import { createTrackerApp } from "./app.ts";
import { type OpenDb, openTrackerDb } from "./db/client.ts";
import { loadState, persistChanges } from "./db/queries.ts";
import { stateFromSnapshot } from "./load.ts";
import type { TrackerState, TrackerStateOptions } from "./state.ts";

setLogLevel("error");

/** Host ids are 32 hex characters; `hostId(1)` = "000…01". */
export function hostId(n: number): string {
  return n.toString(16).padStart(32, "0");
}

/** A HostInfo for host `n` listening on port 40000+n. */
export function host(n: number, extra: Partial<HostInfo> = {}): HostInfo {
  return {
    id: hostId(n),
    addr: `127.0.0.1:${40000 + n}`,
    idc: "",
    seed: false,
    uploads: 0,
    ...extra,
  };
}

/** A sha256-looking hex digest for piece `i`. */
export function digest(i: number, salt = "a"): string {
  return (salt + i.toString(16)).padEnd(64, "0").slice(0, 64);
}

/** The task every test uses. */
export const TASK = {
  id: "ab".repeat(32),
  url: "http://origin.test/file.bin",
  tag: "",
  private: false,
};

/** An announce body with empty defaults. */
export function announce(h: HostInfo, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return {
    host: h,
    task: TASK,
    have: [],
    full: false,
    digestCursor: 0,
    source: null,
    sourceError: null,
    failed: [],
    done: false,
    listing: 0,
    ...extra,
  };
}

/** A seeded generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link setupTracker}. */
export interface SetupOptions extends Partial<TrackerStateOptions> {
  token?: string | null;
}

/** A tracker app on a temp libsql file, with a movable clock and captured seed triggers. */
export class TestTracker implements AsyncDisposable {
  readonly dir: string;
  readonly options: TrackerStateOptions;
  readonly token: string | null;
  readonly triggers: { seed: string; request: SeedRequest }[] = [];
  /** The fake wall clock (ms). */
  time = 1_800_000_000_000;
  db!: OpenDb;
  state!: TrackerState;
  app!: ReturnType<typeof createTrackerApp>;

  private constructor(dir: string, options: SetupOptions) {
    this.dir = dir;
    this.token = options.token ?? null;
    this.options = {
      peerTtlMs: options.peerTtlMs ?? 10_000,
      sourcePeers: options.sourcePeers ?? 1,
      seedGraceMs: options.seedGraceMs ?? 3000,
    };
  }

  /** Opens a fresh tracker. */
  static async open(options: SetupOptions = {}): Promise<TestTracker> {
    const t = new TestTracker(await Deno.makeTempDir({ prefix: "dfly-tracker-" }), options);
    await t.#start();
    return t;
  }

  async #start(): Promise<void> {
    this.db = await openTrackerDb(`file:${this.dir}/tracker.db`);
    this.state = stateFromSnapshot(await loadState(this.db.db), this.options, this.time);
    this.app = createTrackerApp({
      state: this.state,
      now: () => this.time,
      random: seeded(42),
      triggerSeed: (seed, request) => this.triggers.push({ seed: seed.id, request }),
      log: createLogger("tracker-test"),
      token: this.token,
    });
  }

  /** Writes what changed, as the flush timer does. */
  async flush(): Promise<void> {
    const changes = this.state.takeChanges();
    if (changes) await persistChanges(this.db.db, changes);
  }

  /** Flushes, closes the db and starts over from the same file. */
  async restart(): Promise<void> {
    await this.flush();
    this.db.close();
    await this.#start();
  }

  /** Sends a request; JSON bodies are encoded, the token added when set. */
  request(method: string, path: string, body?: unknown, headers: HeadersInit = {}) {
    const h = new Headers(headers);
    if (this.token && !h.has(TOKEN_HEADER)) h.set(TOKEN_HEADER, this.token);
    if (body !== undefined && !h.has("content-type")) h.set("content-type", "application/json");
    return this.app.request(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  /** POSTs JSON and returns the status and parsed body. */
  async post<T = Record<string, unknown>>(
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await this.request("POST", path, body);
    return { status: res.status, body: await res.json() };
  }

  /** GETs JSON and returns the status and parsed body. */
  async get<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
    const res = await this.request("GET", path);
    return { status: res.status, body: await res.json() };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.db.close();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
