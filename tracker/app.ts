/**
 * @module app — the tracker's HTTP routes as a Hono app built from its
 * dependencies (state, clock, seed trigger, logger, token); no sockets, so
 * tests drive it with `app.request()`.
 */
import { Hono } from "hono";
import { DflyError, TaskNotFoundError, WireError } from "../errors.ts";
import { errorHandler, notFound, readJson, requireToken } from "../util/http.ts";
import { gzipJson } from "../util/gzip_json.ts";
import type { Logger } from "../util/log.ts";
import { blobTaskId, isTaskId, taskId } from "../util/task_id.ts";
import { parsePreheatRequest, PREHEAT_ROUTE } from "../wire_ops.ts";
import { handlePreheat } from "./preheat.ts";
import {
  parseAnnounceRequest,
  parseHeartbeatRequest,
  parseLeaveRequest,
  TRACKER_ROUTES,
} from "../wire.ts";
import { handleAnnounce } from "./announce.ts";
import { handleHeartbeat, handleLeave } from "./heartbeat.ts";
import type { TriggerSeed } from "./seed_trigger.ts";
import type { TrackerState } from "./state.ts";
import { hostSummary, taskDetail, taskSummary } from "./views.ts";
import { METRICS_CONTENT_TYPE } from "../util/metrics.ts";
import { DFLY_VERSION } from "../util/version.ts";
import { DASHBOARD_HTML } from "./dashboard.ts";
import { addStateGauges, createTrackerMetrics, type TrackerMetrics } from "./metrics.ts";
import { buildOverview, taskPieceMap } from "./overview.ts";
import { TrafficBook } from "./traffic.ts";
import { type ReadinessProbe, READY_PATH, readyHandler } from "../util/readiness.ts";

/** Health check path; the only route open without the token. */
export const HEALTH_PATH = "/healthz";

/** What {@link createTrackerApp} needs. */
export interface TrackerAppDeps {
  state: TrackerState;
  /** Wall clock in ms (injected so tests can move time). */
  now: () => number;
  /** Source of randomness for parent sampling (default Math.random). */
  random?: () => number;
  triggerSeed: TriggerSeed;
  log: Logger;
  token: string | null;
  /** Metrics to update (the server shares them with its flush timer); a fresh set by default. */
  metrics?: TrackerMetrics;
  /** Checks behind `/readyz` (db writes, shutdown); always ready when absent. */
  readiness?: ReadinessProbe;
}

/** The tracker's Hono app. */
export function createTrackerApp(deps: TrackerAppDeps): Hono {
  const { state, now, triggerSeed, log } = deps;
  const random = deps.random ?? Math.random;
  const app = new Hono();
  app.onError(errorHandler(log));
  app.notFound(notFound);
  // The dashboard page holds no data; its script sends the token with every JSON call.
  app.use(
    requireToken({ token: deps.token, open: [HEALTH_PATH, READY_PATH, TRACKER_ROUTES.dashboard] }),
  );
  const metrics = deps.metrics ?? createTrackerMetrics();
  const traffic = new TrafficBook();
  addStateGauges(metrics, state, traffic, DFLY_VERSION);

  app.get(HEALTH_PATH, (c) => c.json({ ok: true }));
  app.get(READY_PATH, readyHandler(deps.readiness ?? (() => ({}))));

  app.post(TRACKER_ROUTES.announce, async (c) => {
    const req = parseAnnounceRequest(await readJson(c));
    const started = performance.now();
    const res = handleAnnounce(req, { state, now: now(), random, triggerSeed, log });
    metrics.announceSeconds.observe((performance.now() - started) / 1000);
    metrics.announces.inc();
    metrics.parentsHandedOut.inc(res.parents.length);
    if (res.backToSource) metrics.sentToSource.inc();
    return gzipJson(res, c.req.header("accept-encoding"));
  });

  app.post(TRACKER_ROUTES.heartbeat, async (c) => {
    const req = parseHeartbeatRequest(await readJson(c));
    const at = now();
    const res = handleHeartbeat(state, req, at);
    metrics.heartbeats.inc();
    if (req.stats) traffic.record(req.host.id, req.stats, at);
    return c.json(res);
  });

  app.post(TRACKER_ROUTES.leave, async (c) => {
    handleLeave(state, parseLeaveRequest(await readJson(c)));
    return c.json({ ok: true });
  });

  app.get(TRACKER_ROUTES.tasks, (c) => {
    return c.json({ tasks: [...state.tasks.values()].map(taskSummary) });
  });

  app.get(TRACKER_ROUTES.task, (c) => {
    const id = c.req.param("taskId");
    if (!isTaskId(id)) throw new WireError("Task id must be 64 lowercase hex characters");
    const task = state.tasks.get(id);
    if (!task) throw new TaskNotFoundError(id);
    return c.json(taskDetail(state, task));
  });

  app.post(PREHEAT_ROUTE, async (c) => {
    const req = parsePreheatRequest(await readJson(c));
    const id = req.digest ? blobTaskId(req.digest) : taskId({ url: req.url, tag: req.tag });
    const res = handlePreheat(
      { id, url: req.url, tag: req.tag },
      { state, now: now(), triggerSeed, log },
    );
    if (!res) {
      throw new DflyError(
        "No seed agent is connected to this tracker (start one with dfly agent --seed)",
        "no_seed",
        409,
      );
    }
    return c.json(res);
  });

  app.get(TRACKER_ROUTES.hosts, (c) => {
    const at = now();
    return c.json({ hosts: [...state.hosts.values()].map((h) => hostSummary(h, at)) });
  });

  app.get(TRACKER_ROUTES.overview, (c) => {
    const limit = c.req.query("hosts");
    if (limit !== undefined && !/^[1-9]\d{0,5}$/.test(limit)) {
      throw new WireError("hosts must be an integer from 1 to 999999");
    }
    return c.json(buildOverview(state, traffic, now(), DFLY_VERSION, Number(limit ?? Infinity)));
  });

  app.get(TRACKER_ROUTES.pieceMap, (c) => {
    const id = c.req.param("taskId");
    if (!isTaskId(id)) throw new WireError("Task id must be 64 lowercase hex characters");
    const task = state.tasks.get(id);
    if (!task) throw new TaskNotFoundError(id);
    const bound = (name: string, fallback: number) => {
      const text = c.req.query(name);
      if (text === undefined) return fallback;
      if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1024) {
        throw new WireError(`${name} must be an integer from 1 to 1024`);
      }
      return Number(text);
    };
    return c.json(taskPieceMap(state, task, { rows: bound("rows", 64), cols: bound("cols", 256) }));
  });

  app.get(TRACKER_ROUTES.metrics, (c) => {
    return c.body(metrics.registry.render(), 200, { "content-type": METRICS_CONTENT_TYPE });
  });

  app.get(TRACKER_ROUTES.dashboard, (c) => c.html(DASHBOARD_HTML));

  return app;
}
