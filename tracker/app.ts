/**
 * @module app — the tracker's HTTP routes as a Hono app built from its
 * dependencies (state, clock, seed trigger, logger, token); no sockets, so
 * tests drive it with `app.request()`.
 */
import { Hono } from "hono";
import { TaskNotFoundError, WireError } from "../errors.ts";
import { errorHandler, notFound, readJson, requireToken } from "../util/http.ts";
import type { Logger } from "../util/log.ts";
import { isTaskId } from "../util/task_id.ts";
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
}

/** The tracker's Hono app. */
export function createTrackerApp(deps: TrackerAppDeps): Hono {
  const { state, now, triggerSeed, log } = deps;
  const random = deps.random ?? Math.random;
  const app = new Hono();
  app.onError(errorHandler(log));
  app.notFound(notFound);
  app.use(requireToken({ token: deps.token, open: [HEALTH_PATH] }));

  app.get(HEALTH_PATH, (c) => c.json({ ok: true }));

  app.post(TRACKER_ROUTES.announce, async (c) => {
    const req = parseAnnounceRequest(await readJson(c));
    return c.json(handleAnnounce(req, { state, now: now(), random, triggerSeed, log }));
  });

  app.post(TRACKER_ROUTES.heartbeat, async (c) => {
    const req = parseHeartbeatRequest(await readJson(c));
    return c.json(handleHeartbeat(state, req, now()));
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

  app.get(TRACKER_ROUTES.hosts, (c) => {
    const at = now();
    return c.json({ hosts: [...state.hosts.values()].map((h) => hostSummary(h, at)) });
  });

  return app;
}
