/**
 * @module server — a running tracker: opens and migrates the db, rebuilds
 * the state from it, serves the app, flushes changes every `flushMs` and
 * sweeps expired hosts every `sweepMs`; `stop()` drains requests, writes the
 * last changes and closes the db.
 */
import { errorMessage } from "../errors.ts";
import { type RunningServer, serveApp } from "../util/http.ts";
import { createTransport } from "../util/tls.ts";
import type { Logger } from "../util/log.ts";
import { within } from "../util/within.ts";
import { createTrackerApp } from "./app.ts";
import type { TrackerConfig } from "./config.ts";
import { openTrackerDb } from "./db/client.ts";
import { loadState, persistChanges } from "./db/queries.ts";
import { stateFromSnapshot } from "./load.ts";
import { createTrackerMetrics } from "./metrics.ts";
import { createSeedTrigger } from "./seed_trigger.ts";
import type { TrackerState } from "./state.ts";

/** How long in-flight requests may take to finish after SIGTERM. */
const SHUTDOWN_DRAIN_MS = 10_000;

/** A started tracker. */
export interface RunningTracker {
  server: RunningServer;
  state: TrackerState;
  /** Writes pending changes now. */
  flush(): Promise<void>;
  /** Stops serving, writes the last changes and closes the db. */
  stop(): Promise<void>;
}

/** Starts a tracker with `config`. */
export async function startTracker(
  config: TrackerConfig,
  log: Logger,
  now: () => number = Date.now,
): Promise<RunningTracker> {
  const { db, close } = await openTrackerDb(config.db);
  let state: TrackerState;
  try {
    state = stateFromSnapshot(await loadState(db), config, now());
  } catch (err) {
    close();
    throw err;
  }
  log.info("state loaded", { tasks: state.tasks.size, hosts: state.hosts.size });

  const metrics = createTrackerMetrics();
  let writing: Promise<void> | null = null;
  /** Writes what changed; waits for a write in progress first, so two never overlap. */
  const flush = async (): Promise<void> => {
    while (writing) await writing.catch(() => {});
    const changes = state.takeChanges();
    if (!changes) return;
    const started = performance.now();
    writing = persistChanges(db, changes).then(() => {
      metrics.dbWriteSeconds.observe((performance.now() - started) / 1000);
    }, (err) => {
      metrics.dbErrors.inc();
      state.restoreChanges(changes);
      throw err;
    });
    try {
      await writing;
    } finally {
      writing = null;
    }
  };
  let flushFailing = false;
  const flushTimer = setInterval(() => {
    if (writing) return;
    flush().then(() => {
      if (flushFailing) log.info("db writes resumed");
      flushFailing = false;
    }, (err) => {
      if (!flushFailing) log.error("db write failed; retrying", { error: errorMessage(err) });
      flushFailing = true;
    });
  }, config.flushMs);
  const sweepTimer = setInterval(() => {
    for (const id of state.expire(now())) log.info("host expired", { host: id });
  }, config.sweepMs);

  const app = createTrackerApp({
    state,
    now,
    triggerSeed: createSeedTrigger({
      token: config.token,
      log,
      transport: createTransport({ tls: config.tls !== null, caPath: config.ca ?? undefined }),
    }),
    log,
    token: config.token,
    metrics,
    readiness: () => ({
      // The db was opened and migrated before the app existed; what can fail now is writing.
      db: flushFailing ? { ok: false, detail: "writes failing" } : { ok: true, detail: "migrated" },
      serving: stopping ? { ok: false, detail: "shutting down" } : { ok: true, detail: "yes" },
    }),
  });
  let server: RunningServer;
  let stopping: Promise<void> | null = null;
  try {
    server = serveApp(app, { listen: config.listen, log, tls: config.tls });
  } catch (err) {
    clearInterval(flushTimer);
    clearInterval(sweepTimer);
    close();
    throw err;
  }

  return {
    server,
    state,
    flush: () => flush(),
    stop: () =>
      stopping ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(sweepTimer);
        // Tracker calls are short; a client that holds its request open does not hold the stop.
        if (!await within(server.shutdown(), SHUTDOWN_DRAIN_MS)) {
          log.warn("requests still open at the drain bound; closing", { ms: SHUTDOWN_DRAIN_MS });
        }
        try {
          await flush();
          log.info("state saved");
        } catch (err) {
          log.error("db write failed at shutdown", { error: errorMessage(err) });
        } finally {
          close();
        }
      })(),
  };
}
