/**
 * @module p2p_response — answers a blob (or rule-matching) GET from the
 * agent's P2P download of it: access proven upstream first, first bytes once
 * the first needed piece is verified, `Range` answered 206 from the covering
 * pieces, and the upstream itself whenever P2P cannot deliver.
 *
 * ```
 * HEAD upstream (caller's headers) ── denied ──► relay upstream's GET answer
 *     │ granted
 * manager.ensure(task by blob digest) ─► ready ─► first piece verified ─► 200/206
 *     │ fails before any byte                          │ fails mid-body
 *     ▼                                                ▼
 * relay upstream's GET answer                 continue from upstream (Range), else abort
 * ```
 */
import type { TaskDownload, TaskRequest } from "../agent/download.ts";
import { errorMessage } from "../errors.ts";
import type { StoredTask } from "../storage/stored_task.ts";
import type { Logger } from "../util/log.ts";
import { blobTaskId, taskId } from "../util/task_id.ts";
import { TASK_ID_HEADER } from "../wire.ts";
import { BLOB_HEADERS, hasCredentials, sourceHeaders } from "./headers.ts";
import { type ByteWindow, contentRange, coveringPieces, parseRange } from "./range.ts";
import { PieceRangeSource } from "./piece_range_source.ts";
import { checkAccess, forward } from "./upstream.ts";

/** What serving from P2P needs from the agent. */
export interface P2PDeps {
  manager: { ensure(request: TaskRequest): TaskDownload };
  log: Logger;
}

/** Serves `request` for `upstream` through P2P; `digest` names a registry blob. */
export async function p2pResponse(
  request: Request,
  upstream: string,
  digest: string | null,
  deps: P2PDeps,
): Promise<Response> {
  const headers = sourceHeaders(request.headers);
  const access = await checkAccess(upstream, headers, request.signal);
  if (!access.granted) {
    if (access.status === null) {
      deps.log.info("access check failed; relaying upstream", {
        url: upstream,
        error: access.reason,
      });
    }
    return forward(request, upstream);
  }
  const id = digest ? blobTaskId(digest) : taskId({ url: upstream });
  const fallback = (why: unknown) => {
    deps.log.warn("P2P unavailable; serving from upstream", {
      task: id,
      url: upstream,
      error: errorMessage(why),
    });
    return forward(request, upstream);
  };
  let download: TaskDownload;
  let stored: StoredTask;
  try {
    download = deps.manager.ensure({
      id,
      url: upstream,
      tag: "",
      headers,
      private: hasCredentials(headers),
      digest,
    });
    stored = await download.ready;
  } catch (err) {
    return fallback(err);
  }
  const declared = access.headers?.get("content-length") ?? null;
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) !== stored.length) {
    return fallback(
      new Error(`upstream length ${declared} differs from task length ${stored.length}`),
    );
  }
  const range = parseRange(request.headers.get("range"), stored.length);
  if (range === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { "content-range": `bytes */${stored.length}` },
    });
  }
  const window: ByteWindow = range ?? { start: 0, end: stored.length };
  const awaitDoneBeforeLast = digest !== null && range === null;
  if (window.end > window.start) {
    // Nothing is sent before the first needed piece is verified, so falling back is still clean.
    try {
      if (awaitDoneBeforeLast && stored.pieceCount === 1) await download.done;
      else await download.waitPiece(coveringPieces(window, stored.pieceSize).first);
    } catch (err) {
      return fallback(err);
    }
  }
  const out = new Headers();
  for (const name of BLOB_HEADERS) {
    const value = access.headers?.get(name) ?? null;
    if (value !== null) out.set(name, value);
  }
  if (!out.has("content-type")) out.set("content-type", "application/octet-stream");
  if (digest) out.set("docker-content-digest", digest);
  out.set("accept-ranges", "bytes");
  out.set("content-length", String(window.end - window.start));
  out.set(TASK_ID_HEADER, id);
  if (range) out.set("content-range", contentRange(window, stored.length));
  const body = new ReadableStream(
    new PieceRangeSource({
      download,
      stored,
      window,
      // A whole blob's last bytes wait for its sha256 check; a client never sees a wrong blob end.
      awaitDoneBeforeLast,
      resume: (offset) => resumeFromUpstream(request, upstream, headers, offset, stored.length),
      log: deps.log,
    }),
    { highWaterMark: 0 },
  );
  return new Response(body, { status: range ? 206 : 200, headers: out });
}

/** The rest of the file from `offset`, straight from upstream (a Range GET), or null. */
async function resumeFromUpstream(
  request: Request,
  upstream: string,
  headers: [string, string][],
  offset: number,
  length: number,
): Promise<ReadableStream<Uint8Array> | null> {
  const h = new Headers(headers);
  h.set("accept-encoding", "identity");
  h.set("range", `bytes=${offset}-`);
  try {
    const res = await fetch(upstream, { headers: h, signal: request.signal });
    const expected = `bytes ${offset}-${length - 1}/${length}`;
    if (res.status === 206 && res.headers.get("content-range") === expected && res.body) {
      return res.body;
    }
    await res.body?.cancel();
  } catch {
    // Nothing left to try: the response is aborted.
  }
  return null;
}
