/**
 * @module app — the agent's HTTP routes: the piece server other agents pull
 * from, the seed trigger the tracker calls, and the download API that
 * `dfly get` uses (loopback callers only).
 */
import { type Context, Hono } from "hono";
import { DflyError, errorMessage, WireError } from "../errors.ts";
import type { PieceStore } from "../storage/piece_store.ts";
import type { StoredTask } from "../storage/stored_task.ts";
import {
  errorHandler,
  isLoopback,
  notFound,
  readJson,
  remoteAddress,
  requireToken,
} from "../util/http.ts";
import type { Logger } from "../util/log.ts";
import { loopbackCallerUid } from "../util/socket_owner.ts";
import { type ReadinessProbe, READY_PATH, readyHandler } from "../util/readiness.ts";
import { isTaskId, taskId } from "../util/task_id.ts";
import {
  AGENT_ROUTES,
  type AgentTaskSummary,
  DEFAULT_PROGRESS_MS,
  type DownloadEvent,
  type DownloadRequest,
  formatPeerRef,
  parseDownloadRequest,
  parsePeerRef,
  parseSeedRequest,
  PEER_HEADER,
  PIECE_NOT_HELD_CODE,
  PIECE_SPREAD_CODE,
  SPREAD_HOLDER_HEADER,
  SPREAD_RETRY_HEADER,
  SPREAD_SUGGEST_HEADER,
  TASK_ID_HEADER,
  UPLOADS_BUSY_CODE,
} from "../wire.ts";
import { METRICS_CONTENT_TYPE } from "../util/metrics.ts";
import { DFLY_VERSION } from "../util/version.ts";
import { importName } from "../wire_ops.ts";
import { blobDigestOfTask } from "../proxy/route.ts";
import type { TaskDownload } from "./download.ts";
import { agentGauges, agentMetrics, renderAgentMetrics } from "./metrics.ts";
import { RateLimitStream } from "./stages/rate_limit_stream.ts";
import { stallGuard } from "./stages/stall_guard.ts";
import { BUSY_RETRY_MS, type SpreadLedgers, type SpreadRefusal } from "./piece_spread.ts";
import type { TaskManager } from "./task_manager.ts";
import type { TokenBucket } from "./token_bucket.ts";

/** What the agent's routes need. */
export interface AgentAppDeps {
  store: PieceStore;
  manager: TaskManager;
  uploadLimit: TokenBucket;
  /** The host-wide download limit, shown in /metrics. */
  downloadLimit?: TokenBucket;
  token: string | null;
  log: Logger;
  /** True for a seed agent: only seeds accept seed triggers. */
  seed: boolean;
  /** Piece uploads at once; more are answered 429 uploads_busy (0: no bound). */
  uploadSlots?: number;
  /** A seed's spread ledgers: each piece to the swarm once before any twice; null serves every request. */
  spread?: SpreadLedgers | null;
  /** Whether a seed trigger from this remote address is accepted (all when absent). */
  seedAllowed?: (remote: string | null) => boolean;
  /** Live count of piece uploads (reported to the tracker as load). */
  uploads: { count: number };
  now(): number;
  /** Checks behind `/readyz`; always ready when absent. */
  readiness?: ReadinessProbe;
}

/** An upload whose reader takes nothing for this long is ended (it holds a slot). */
const UPLOAD_STALL_MS = 30_000;

/**
 * Builds the agent's Hono app (no sockets; `serveApp` serves it).
 *
 * @example
 * ```ts ignore
 * const app = createAgentApp(deps);
 * const res = await app.request("/api/v1/pieces/not-an-id/0");
 * // res.status === 400
 * ```
 */
export function createAgentApp(deps: AgentAppDeps): Hono {
  const app = new Hono();
  app.onError(errorHandler(deps.log));
  app.notFound(notFound);
  app.use(requireToken({ token: deps.token, open: ["/healthz", READY_PATH] }));

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get(READY_PATH, readyHandler(deps.readiness ?? (() => ({}))));

  const live = agentGauges({
    store: deps.store,
    activeTasks: () => deps.manager.active().length,
    uploads: deps.uploads,
    downloadLimit: deps.downloadLimit,
    uploadLimit: deps.uploadLimit,
    version: DFLY_VERSION,
  });
  app.get(
    AGENT_ROUTES.metrics,
    (c) => c.body(renderAgentMetrics(live), 200, { "content-type": METRICS_CONTENT_TYPE }),
  );

  app.get(AGENT_ROUTES.piece, (c) => {
    const id = c.req.param("taskId");
    const indexText = c.req.param("index");
    if (!isTaskId(id)) throw new WireError("task id must be 64 lowercase hex characters");
    if (!/^\d{1,9}$/.test(indexText)) {
      throw new WireError("piece index must be a non-negative integer");
    }
    const index = Number(indexText);
    const task = deps.store.get(id);
    if (!task) throw new DflyError(`Unknown task ${id}`, "task_not_found", 404);
    if (index >= task.pieceCount) {
      throw new DflyError(`Task ${id.slice(0, 12)} has no piece ${index}`, "no_such_piece", 404);
    }
    if (!task.verified.has(index)) {
      throw new DflyError(`Piece ${index} is not held here`, PIECE_NOT_HELD_CODE, 404);
    }
    if (c.req.method === "HEAD") {
      // Hono runs GET handlers for HEAD and drops the body: a stream opened
      // here would never be read or closed, holding an upload slot forever.
      return c.body(null, 200, {
        "content-type": "application/octet-stream",
        "content-length": String(task.pieceLength(index)),
      });
    }
    const slots = deps.uploadSlots ?? 0;
    if (slots > 0 && deps.uploads.count >= slots) {
      // Like BitTorrent's unchoke slots: a few peers at full speed, not many
      // crawling. The caller takes the piece from another parent or comes back.
      agentMetrics.uploadsBusy.inc();
      return comeBack(c, `All ${slots} upload slots are taken`, UPLOADS_BUSY_CODE, {
        retryAfterMs: BUSY_RETRY_MS,
        suggest: [],
      });
    }
    const spread = deps.spread?.of(id, task.pieceCount) ?? null;
    // A seed names the asker to later askers as this piece's holder (normalised, or
    // dropped when malformed); other agents have no use for the name.
    const asker = spread && parsePeerRef(c.req.header(PEER_HEADER));
    const recipient = asker ? formatPeerRef(asker) : null;
    if (spread) {
      const refusal = spread.admit(index, deps.now(), Math.random, recipient);
      if (refusal) {
        agentMetrics.spreadRefused.inc();
        const message = `Piece ${index} is on its way to another peer: take it from peers`;
        return comeBack(c, message, PIECE_SPREAD_CODE, refusal);
      }
      spread.started(index);
    }
    const began = deps.now();
    deps.uploads.count++;
    const length = task.pieceLength(index);
    // Straight to Deno.serve (serveApp passes remoteAddr as env), each chunk is
    // detached once the server has taken it (see ReadRangeOptions); a rate-limit
    // stage or an in-process caller may still hold it, so those get plain chunks.
    const releaseOnPull = deps.uploadLimit.unlimited && remoteAddress(c) !== null;
    let body = task.readPiece(index, (sent) => {
      const now = deps.now();
      spread?.finished(index, sent === length, now, now - began, recipient);
      deps.uploads.count--;
      agentMetrics.uploadedBytes.inc(sent);
      if (sent === length) agentMetrics.piecesUploaded.inc();
    }, { releaseOnPull });
    body = stallGuard(body, UPLOAD_STALL_MS, () => agentMetrics.uploadsStalled.inc());
    if (!deps.uploadLimit.unlimited) body = body.pipeThrough(new RateLimitStream(deps.uploadLimit));
    return new Response(body, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(task.pieceLength(index)),
      },
    });
  });

  app.post(AGENT_ROUTES.seed, async (c) => {
    if (!deps.seed) throw new DflyError("This agent is not a seed", "not_seed", 403);
    if (deps.seedAllowed && !deps.seedAllowed(remoteAddress(c))) {
      throw new DflyError("Seed requests are taken from the tracker only", "forbidden", 403);
    }
    const req = parseSeedRequest(await readJson(c));
    deps.manager.ensure({
      id: req.taskId,
      url: req.url,
      tag: req.tag,
      headers: [],
      private: false,
      // A registry blob mirrored through some agent's proxy: the seed checks its sha256 too.
      digest: blobDigestOfTask(req.taskId, req.url),
    });
    deps.log.info("seeding task", { task: req.taskId, url: req.url });
    return c.json({ taskId: req.taskId }, 202);
  });

  app.post(AGENT_ROUTES.downloads, async (c) => {
    if (!isLoopback(remoteAddress(c))) {
      throw new DflyError("Downloads may only be requested from this host", "forbidden", 403);
    }
    const req = parseDownloadRequest(await readJson(c));
    if (req.output !== null && !(await callerIsAgentUser(c))) {
      // `dfly get` then streams the content and writes the file as its own user.
      throw new DflyError(
        `Cannot place ${req.output} for a caller running as another user`,
        "output_not_writable",
        403,
      );
    }
    const id = taskId({ url: req.url, tag: req.tag, filter: req.filter });
    const download = deps.manager.ensure({
      id,
      url: req.url,
      tag: req.tag,
      headers: req.headers,
      // Credentials, or a named import: either way no seed can fetch it from a source.
      private: req.headers.length > 0 || importName(req.url) !== null,
    });
    if (req.output === null) return await streamContent(download, id);
    return progressStream(deps, download, req, id);
  });

  app.get(AGENT_ROUTES.tasks, (c) => {
    const ids = new Set(deps.store.list().map((t) => t.id));
    for (const d of deps.manager.active()) ids.add(d.id);
    return c.json({ tasks: [...ids].map((id) => summary(deps, id)) });
  });

  app.get(AGENT_ROUTES.task, (c) => {
    const id = c.req.param("taskId");
    if (!isTaskId(id)) throw new WireError("task id must be 64 lowercase hex characters");
    if (!deps.store.get(id) && !deps.manager.get(id)) {
      throw new DflyError(`Unknown task ${id}`, "task_not_found", 404);
    }
    return c.json(summary(deps, id));
  });

  return app;
}

function summary(deps: AgentAppDeps, id: string): AgentTaskSummary {
  const stored = deps.store.get(id);
  const download = deps.manager.get(id);
  return {
    id,
    url: stored?.url ?? download?.request.url ?? "",
    length: stored?.length ?? null,
    pieces: stored?.verified.count ?? 0,
    pieceCount: stored?.pieceCount ?? null,
    complete: stored?.complete ?? false,
    active: download?.status === "running",
    fromPeers: download?.fromPeers ?? 0,
    fromSource: download?.fromSource ?? 0,
    parents: download?.parentsUsed ?? 0,
  };
}

/** `-o -`: the content in order, each piece as soon as it is verified. */
async function streamContent(download: TaskDownload, id: string): Promise<Response> {
  const stored = await download.ready;
  let index = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (true) {
        if (!current) {
          if (index >= stored.pieceCount) {
            controller.close();
            return;
          }
          await download.waitPiece(index);
          current = stored.readPiece(index).getReader();
        }
        const { value, done } = await current.read();
        if (!done) {
          controller.enqueue(value);
          return;
        }
        current = null;
        index++;
      }
    },
    async cancel(reason) {
      await current?.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(stored.length),
      [TASK_ID_HEADER]: id,
    },
  });
}

/**
 * A piece request told to come back (429): not a failure of this agent. The
 * retry time and any suggested pieces go in headers the downloader reads
 * (`spreadDeferral` in peer_fetch.ts).
 */
function comeBack(c: Context, error: string, code: string, refusal: SpreadRefusal): Response {
  return c.json({ error, code }, 429, {
    "retry-after": String(Math.ceil(refusal.retryAfterMs / 1000)),
    [SPREAD_RETRY_HEADER]: String(Math.ceil(refusal.retryAfterMs)),
    [SPREAD_SUGGEST_HEADER]: refusal.suggest.join(","),
    ...(refusal.holder ? { [SPREAD_HOLDER_HEADER]: refusal.holder } : {}),
  });
}

/** Output-path mode: NDJSON progress, then the file is placed and `done` sent. */
function progressStream(
  deps: AgentAppDeps,
  download: TaskDownload,
  req: DownloadRequest,
  id: string,
): Response {
  const started = deps.now();
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: DownloadEvent) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(JSON.stringify(event) + "\n"));
        } catch {
          open = false;
        }
      };
      // A caller joining a finished download was served from the cache.
      const cached = download.status === "done";
      const progress = () => {
        const p = download.progress();
        send({
          type: "progress",
          taskId: id,
          ...p,
          ...(cached ? { fromPeers: 0, fromSource: 0 } : {}),
        });
      };
      progress();
      timer = setInterval(progress, req.progressMs ?? DEFAULT_PROGRESS_MS);
      void (async () => {
        try {
          const stored = await download.done;
          if (req.digest) await deps.manager.verifyFile(stored, req.digest);
          if (!open) return; // the caller gave up: leave no output behind
          const via = await place(stored, req.output!);
          if (!open) {
            await Deno.remove(req.output!).catch(() => {});
            return;
          }
          const p = download.progress();
          send({
            type: "done",
            taskId: id,
            total: stored.length,
            fromPeers: cached ? 0 : p.fromPeers,
            fromSource: cached ? 0 : p.fromSource,
            seconds: (deps.now() - started) / 1000,
            output: req.output,
            via,
          });
        } catch (err) {
          const code = err instanceof DflyError ? err.code : "internal";
          send({ type: "error", taskId: id, code, message: errorMessage(err) });
        } finally {
          clearInterval(timer);
          if (open) controller.close();
          open = false;
        }
      })();
    },
    cancel() {
      // The caller went away; the download itself goes on for others and the cache.
      open = false;
      clearInterval(timer);
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

/**
 * True when the caller runs as the agent's own user, so a path it names is
 * one it could write itself. Unknown (no /proc) counts as another user.
 */
async function callerIsAgentUser(c: Context): Promise<boolean> {
  const me = Deno.uid();
  if (me === null) return true; // no POSIX users on this platform
  const remote = (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr;
  if (!remote) return false;
  return await loopbackCallerUid(remote) === me;
}

async function place(stored: StoredTask, output: string): Promise<"hardlink" | "copy"> {
  try {
    return await stored.placeAt(output);
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new DflyError(`Cannot write ${output}: permission denied`, "output_not_writable", 403);
    }
    if (err instanceof Deno.errors.NotFound) {
      throw new DflyError(`Cannot write ${output}: no such directory`, "output_not_writable", 400);
    }
    throw err;
  }
}
