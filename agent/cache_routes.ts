/**
 * @module cache_routes — the agent's cache management routes (`dfly cache
 * ls|rm|gc`) and named import (`dfly import`), for loopback callers only.
 * An import splits the uploaded bytes into pieces, hashes and writes each,
 * then announces the task to its tracker as a finished first holder with
 * every digest, so any other agent can fetch it by name (`dfly export`).
 */
import { createHash, type Hash } from "node:crypto";
import type { Hono, MiddlewareHandler } from "hono";
import { DflyError, errorMessage, SourceError, WireError } from "../errors.ts";
import { chooseEvictions, type EvictionReason } from "../storage/cache_policy.ts";
import type { PieceStore } from "../storage/piece_store.ts";
import type { StoredTask } from "../storage/stored_task.ts";
import { isLoopback, readJson, remoteAddress } from "../util/http.ts";
import type { Logger } from "../util/log.ts";
import { pieceSize } from "../util/piece_size.ts";
import { isTaskId, taskId } from "../util/task_id.ts";
import type { HostInfo } from "../wire.ts";
import {
  CACHE_ROUTES,
  type CacheEntry,
  type CacheListing,
  checkImportName,
  type GcResult,
  importName,
  type ImportResult,
  importUrl,
  parseGcRequest,
} from "../wire_ops.ts";
import { PieceSplitStream, type Segment } from "./stages/piece_split_stream.ts";
import type { TaskManager } from "./task_manager.ts";
import type { TrackerApi } from "./tracker_client.ts";

/** What the cache routes need. */
export interface CacheRoutesDeps {
  store: PieceStore;
  manager: TaskManager;
  tracker: TrackerApi & { leave(hostId: string, ids: string[]): Promise<void> };
  host: () => HostInfo;
  log: Logger;
  /** Unread tasks older than this are collected; 0 is never. */
  ttlMs: number;
  /** Wall clock in ms. */
  now: () => number;
}

/** True while something downloads, uploads or streams the task. */
export function inUse(deps: Pick<CacheRoutesDeps, "store" | "manager">, task: StoredTask) {
  return task.readers > 0 || deps.store.busy.has(task.id) ||
    deps.manager.get(task.id)?.status === "running";
}

/**
 * Runs one collection: removes what {@link chooseEvictions} picks and tells
 * the trackers this host no longer holds it.
 */
export async function collectGarbage(
  deps: CacheRoutesDeps,
  limits: { ttlMs: number; quota: number },
): Promise<GcResult> {
  const views = deps.store.list().map((t) => ({
    id: t.id,
    length: t.length,
    lastAccess: t.lastAccess,
    complete: t.complete,
    inUse: inUse(deps, t),
  }));
  const chosen = chooseEvictions(views, { now: deps.now(), ...limits });
  const removed: { id: string; bytes: number; reason: EvictionReason }[] = [];
  for (const { id, reason } of chosen) {
    const task = deps.store.get(id);
    if (!task || inUse(deps, task)) continue;
    await deps.store.remove(id);
    removed.push({ id, bytes: task.length, reason });
    deps.log.info("cache gc removed task", { task: id, bytes: task.length, reason });
  }
  if (removed.length > 0) await leave(deps, removed.map((r) => r.id));
  return { removed, usage: deps.store.usage() };
}

/**
 * Collects expired tasks every quarter of the TTL (at most every 10 min),
 * quota included; returns a function that stops it. No TTL, no sweep: the
 * quota alone is enforced whenever a new task needs room.
 */
export function startCacheSweep(deps: CacheRoutesDeps): () => void {
  if (deps.ttlMs <= 0) return () => {};
  const every = Math.max(1000, Math.min(deps.ttlMs / 4, 10 * 60_000));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    collectGarbage(deps, { ttlMs: deps.ttlMs, quota: deps.store.cacheSize })
      .catch((err) => deps.log.warn("cache sweep failed", { error: errorMessage(err) }))
      .finally(() => running = false);
  }, every);
  return () => clearInterval(timer);
}

async function leave(deps: CacheRoutesDeps, ids: string[]): Promise<void> {
  try {
    await deps.tracker.leave(deps.host().id, ids);
  } catch (err) {
    deps.log.warn("could not tell the trackers about removed tasks", { error: errorMessage(err) });
  }
}

/** Adds the cache routes to the agent's app (after its token middleware). */
export function mountCacheRoutes(app: Hono, deps: CacheRoutesDeps): void {
  const loopbackOnly: MiddlewareHandler = async function loopbackOnly(c, next) {
    if (!isLoopback(remoteAddress(c))) {
      throw new DflyError("The cache may only be managed from this host", "forbidden", 403);
    }
    await next();
  };
  app.use(CACHE_ROUTES.list, loopbackOnly);
  app.use(`${CACHE_ROUTES.list}/*`, loopbackOnly);

  app.get(CACHE_ROUTES.list, (c) => {
    const listing: CacheListing = {
      usage: deps.store.usage(),
      quota: deps.store.cacheSize,
      ttlMs: deps.ttlMs,
      tasks: deps.store.list().map((t) => entry(deps, t))
        .sort((a, b) => b.lastAccess - a.lastAccess),
    };
    return c.json(listing);
  });

  app.post(CACHE_ROUTES.gc, async (c) => {
    const req = parseGcRequest(await readJson(c));
    return c.json(
      await collectGarbage(deps, {
        ttlMs: req.ttlMs ?? deps.ttlMs,
        quota: req.quota ?? deps.store.cacheSize,
      }),
    );
  });

  app.post(CACHE_ROUTES.import, async (c) => {
    const name = checkImportName(c.req.query("name") ?? "");
    // fetch streams a file body chunked, so the length travels in the query;
    // the split stage refuses a body that is shorter or longer.
    const lengthText = c.req.query("length") ?? c.req.header("content-length");
    if (!lengthText || !/^\d{1,15}$/.test(lengthText)) {
      throw new DflyError("Import needs the file length (?length=N)", "length_required", 411);
    }
    const body = c.req.raw.body;
    if (!body) throw new WireError("Import needs the file as the request body");
    return c.json(await importTask(deps, name, Number(lengthText), body));
  });

  app.delete(CACHE_ROUTES.remove, async (c) => {
    const id = c.req.param("taskId");
    if (!isTaskId(id)) throw new WireError("task id must be 64 lowercase hex characters");
    const task = deps.store.get(id);
    if (!task) throw new DflyError(`Task ${id} is not in the cache`, "task_not_found", 404);
    if (inUse(deps, task)) {
      throw new DflyError(`Task ${id.slice(0, 12)} is in use; try again later`, "task_busy", 409);
    }
    await deps.store.remove(id);
    await leave(deps, [id]);
    deps.log.info("cache task removed", { task: id });
    return c.json({ removed: id });
  });
}

function entry(deps: CacheRoutesDeps, t: StoredTask): CacheEntry {
  return {
    id: t.id,
    url: t.url,
    tag: t.tag,
    name: importName(t.url),
    length: t.length,
    pieces: t.verified.count,
    pieceCount: t.pieceCount,
    complete: t.complete,
    inUse: inUse(deps, t),
    createdAt: t.createdAt,
    lastAccess: t.lastAccess,
  };
}

/** Stores `body` as the named task and announces it as a finished first holder. */
async function importTask(
  deps: CacheRoutesDeps,
  name: string,
  length: number,
  body: ReadableStream<Uint8Array>,
): Promise<ImportResult> {
  const url = importUrl(name);
  const id = taskId({ url });
  if (deps.store.get(id) || deps.manager.get(id)?.status === "running") {
    await body.cancel().catch(() => {});
    throw new DflyError(
      `Name "${name}" is already in the cache (task ${
        id.slice(0, 12)
      }); remove it with 'dfly cache rm' first`,
      "name_taken",
      409,
    );
  }
  const size = pieceSize(length);
  deps.store.busy.add(id);
  let stored: StoredTask | null = null;
  try {
    stored = await deps.store.create({
      id,
      url,
      tag: "",
      length,
      pieceSize: size,
      etag: null,
      lastModified: null,
    });
    await body
      .pipeThrough(new PieceSplitStream({ start: 0, end: length, pieceSize: size, length }))
      .pipeTo(new ImportPieceSink(stored));
    await stored.persist();
  } catch (err) {
    deps.store.busy.delete(id);
    await body.cancel().catch(() => {});
    if (stored) await deps.store.remove(id);
    // The split stage words a short or long body as a sender's fault (SourceError, 502);
    // here the sender is the caller, so it is a bad request.
    if (err instanceof DflyError && !(err instanceof SourceError)) throw err;
    throw new DflyError(`Cannot import "${name}": ${errorMessage(err)}`, "import_failed", 400);
  }
  deps.store.busy.delete(id);
  deps.log.info("imported", { task: id, name, bytes: length });
  let trackerError: string | null = null;
  try {
    const all = Array.from({ length: stored.pieceCount }, (_, i) => i);
    await deps.tracker.announce({
      host: deps.host(),
      // Private: no seed can fetch an import from a source, so none is asked to.
      task: { id, url, tag: "", private: true },
      have: all,
      full: true,
      digestCursor: 0,
      source: {
        length,
        etag: null,
        lastModified: null,
        digests: all.map((i) => [i, stored!.digests[i]!]),
      },
      sourceError: null,
      failed: [],
      done: true,
      listing: 0,
    });
  } catch (err) {
    trackerError = errorMessage(err);
    deps.log.warn("imported task not announced", { task: id, error: trackerError });
  }
  return {
    taskId: id,
    name,
    url,
    length,
    pieceCount: stored.pieceCount,
    announced: trackerError === null,
    trackerError,
  };
}

/**
 * Import's last stage: hashes each piece as its bytes pass, writes them in
 * place, and marks the piece verified with its digest at the piece's end —
 * the importer is the source, so its digests are the reference.
 */
class ImportPieceSink extends WritableStream<Segment> {
  constructor(task: StoredTask) {
    const writer = task.openWriter();
    let hash: Hash | null = null;
    super({
      write(segment) {
        if (segment.kind === "bytes") {
          hash ??= createHash("sha256");
          hash.update(segment.bytes);
          writer.writeAt(segment.offset, segment.bytes);
        } else {
          task.markVerified(segment.index, (hash ?? createHash("sha256")).digest("hex"));
          hash = null;
        }
      },
      close() {
        writer.close();
      },
      abort() {
        writer.close();
      },
    });
  }
}
