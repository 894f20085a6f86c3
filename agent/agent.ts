/**
 * @module agent — assembles a running agent: piece store, rate limits,
 * tracker client, download manager, HTTP routes and the host heartbeat.
 */
import { errorMessage } from "../errors.ts";
import { PieceStore } from "../storage/piece_store.ts";
import { type RunningServer, serveApp } from "../util/http.ts";
import { createLogger } from "../util/log.ts";
import type { HostInfo } from "../wire.ts";
import { startProxy } from "../proxy/proxy.ts";
import { createAgentApp } from "./app.ts";
import { hostStats } from "./metrics.ts";
import type { AgentConfig } from "./config.ts";
import { DEFAULT_DOWNLOAD_CONFIG } from "./download.ts";
import { pieceFetcher } from "./peer_fetch.ts";
import { createTransport } from "../util/tls.ts";
import { TaskManager } from "./task_manager.ts";
import { TokenBucket } from "./token_bucket.ts";
import { parseTrackerList, TrackerPool } from "./tracker_pool.ts";
import { SpreadLedgers } from "./piece_spread.ts";
import { resolveTrackerAddrs, seedAllowed } from "./seed_guard.ts";
import { drainServer, leaveTrackers } from "./graceful_close.ts";
import { agentReadiness } from "./readiness.ts";
import { mountCacheRoutes, startCacheSweep } from "./cache_routes.ts";
import { reannounceHeld } from "./reannounce.ts";
import { Wakeup } from "./wakeup.ts";

/** A running agent. */
export interface RunningAgent {
  server: RunningServer;
  store: PieceStore;
  manager: TaskManager;
  host(): HostInfo;
  /** Stops downloads, flushes the store and closes the server. */
  close(): Promise<void>;
}

/** Starts an agent with `config`; resolves once it listens. */
export async function startAgent(config: AgentConfig): Promise<RunningAgent> {
  const log = createLogger("agent");
  const store = await PieceStore.open(config.dataDir, { log, cacheSize: config.cacheSize });
  const transport = createTransport({ tls: config.tls !== null, caPath: config.ca ?? undefined });
  const tracker: TrackerPool = new TrackerPool(parseTrackerList(config.tracker), {
    fetch: transport.fetch,
    token: config.token,
    log,
    now: () => performance.now(),
    // Finished tasks of a tracker that failed or came back: tell their new owner.
    onOwnersMoved: (url) => void reannounceHeld({ store, tracker, host, log }, url),
  });
  const uploads = { count: 0 };
  let advertise = config.advertise ?? "";
  const host = (): HostInfo => ({
    id: store.hostId,
    addr: advertise,
    idc: config.idc,
    seed: config.seed,
    uploads: uploads.count,
  });
  const downloadLimit = new TokenBucket(config.downloadLimit);
  const manager = new TaskManager({
    store,
    tracker,
    host,
    limiter: downloadLimit,
    log,
    config: { ...DEFAULT_DOWNLOAD_CONFIG, ...config.download, token: config.token },
    random: Math.random,
    now: () => performance.now(),
    fetchPiece: pieceFetcher(transport),
  });
  let stopping = false;
  // Without --token, only the tracker may send this seed after a URL.
  const trackerAddrs = config.seed && !config.token
    ? await resolveTrackerAddrs(parseTrackerList(config.tracker))
    : new Set<string>();
  const app = createAgentApp({
    store,
    manager,
    readiness: () => agentReadiness(tracker.status(), stopping),
    uploadLimit: new TokenBucket(config.uploadLimit),
    downloadLimit,
    token: config.token,
    log,
    seed: config.seed,
    uploadSlots: config.uploadSlots,
    spread: config.seed && config.seedSpreadMs > 0
      ? new SpreadLedgers({ holdMs: config.seedSpreadMs })
      : null,
    seedAllowed: (remote) => seedAllowed({ remote, token: config.token !== null, trackerAddrs }),
    uploads,
    now: () => performance.now(),
  });
  const cacheDeps = {
    store,
    manager,
    tracker,
    host,
    log,
    ttlMs: config.cacheTtlMs,
    now: Date.now,
  };
  mountCacheRoutes(app, cacheDeps);
  const stopCacheSweep = startCacheSweep(cacheDeps);
  const server = serveApp(app, { listen: config.listen, log, tls: config.tls });
  advertise ||= defaultAdvertise(server);
  log.info("agent ready", {
    host: store.hostId,
    advertise,
    data: config.dataDir,
    seed: config.seed,
    tracker: config.tracker,
    tasks: store.list().length,
  });
  const proxy = config.proxy
    ? await startProxy(config.proxy, { manager, log }).catch(async (err) => {
      await server.shutdown().catch(() => {});
      throw new Error(`cannot start the proxy on ${config.proxy!.listen}: ${errorMessage(err)}`);
    })
    : null;

  const stopHeartbeat = new AbortController();
  const heartbeat = heartbeatLoop(tracker, store, host, stopHeartbeat.signal, log);

  return {
    server,
    store,
    manager,
    host,
    async close() {
      stopping = true;
      stopHeartbeat.abort();
      stopCacheSweep();
      manager.stopAll();
      await heartbeat;
      // Trackers stop handing this host out as a parent while its uploads drain.
      await leaveTrackers(() => tracker.leave(store.hostId, store.list().map((t) => t.id)), log);
      await proxy?.shutdown().catch(() => {});
      await drainServer(server, log);
      await store.close();
    },
  };
}

/** Keeps the host alive at the tracker; sends the inventory when the tracker asks. */
async function heartbeatLoop(
  tracker: TrackerPool,
  store: PieceStore,
  host: () => HostInfo,
  signal: AbortSignal,
  log: ReturnType<typeof createLogger>,
): Promise<void> {
  let resync = true;
  let interval = 3000;
  let down = false;
  const wake = new Wakeup();
  signal.addEventListener("abort", () => wake.notify());
  while (!signal.aborted) {
    const tasks = resync
      ? store.list().map((t) => ({ id: t.id, pieces: t.verified.toBase64(), done: t.complete }))
      : null;
    try {
      const res = await tracker.heartbeat({ host: host(), tasks, stats: hostStats() });
      resync = res.resync;
      interval = Math.max(500, res.heartbeatMs);
      if (down) log.info("tracker reachable again", { tracker: tracker.url });
      down = false;
    } catch (err) {
      if (!down) log.warn("tracker heartbeat failed", { error: errorMessage(err) });
      down = true;
      resync = true;
      interval = 2000;
    }
    await wake.wait(interval);
  }
}

function defaultAdvertise(server: RunningServer): string {
  if (server.hostname !== "0.0.0.0" && server.hostname !== "::") {
    const h = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
    return `${h}:${server.port}`;
  }
  const ip = Deno.networkInterfaces().find((i) =>
    i.family === "IPv4" && !i.address.startsWith("127.")
  );
  return `${ip?.address ?? "127.0.0.1"}:${server.port}`;
}
