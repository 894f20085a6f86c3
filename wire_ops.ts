/**
 * @module wire_ops — the operator part of the contract, beside `wire.ts`
 * (which holds the data path): cache management and import on an agent
 * (loopback callers only), and preheat on the tracker. Route paths, message
 * types and one `parseX(json)` per request that throws {@link WireError}.
 */
import { WireError } from "./errors.ts";
import { isTaskId } from "./util/task_id.ts";

/** Agent routes for `dfly cache` and `dfly import` (loopback only). */
export const CACHE_ROUTES = {
  /** GET → {@link CacheListing}. */
  list: "/api/v1/cache",
  /** DELETE → `{ removed: taskId }`; 409 while the task is in use. */
  remove: "/api/v1/cache/:taskId",
  /** POST {@link GcRequest} → {@link GcResult}. */
  gc: "/api/v1/cache/gc",
  /** POST `?name=NAME&length=BYTES`, body = the file's bytes → {@link ImportResult}. */
  import: "/api/v1/cache/import",
} as const;

/** Tracker route for `dfly preheat`. */
export const PREHEAT_ROUTE = "/api/v1/preheat";

/** One task in an agent's cache. */
export interface CacheEntry {
  id: string;
  url: string;
  tag: string;
  /** The import name when the task came from `dfly import`, else null. */
  name: string | null;
  length: number;
  pieces: number;
  pieceCount: number;
  complete: boolean;
  /** A download, upload or stream uses it now. */
  inUse: boolean;
  createdAt: number;
  lastAccess: number;
}

/** `GET /api/v1/cache`. */
export interface CacheListing {
  usage: number;
  /** Cache quota in bytes; 0 is none. */
  quota: number;
  /** Unread tasks older than this are collected; 0 is never. */
  ttlMs: number;
  tasks: CacheEntry[];
}

/** `POST /api/v1/cache/gc`: overrides of the agent's own TTL and quota for this run. */
export interface GcRequest {
  ttlMs: number | null;
  quota: number | null;
}

/** What a collection removed. */
export interface GcResult {
  removed: { id: string; bytes: number; reason: "expired" | "quota" }[];
  usage: number;
}

/** What an import did. */
export interface ImportResult {
  taskId: string;
  name: string;
  url: string;
  length: number;
  pieceCount: number;
  /** The task's tracker knows this agent holds it (others can export it). */
  announced: boolean;
  /** Why the announce failed, when it did. */
  trackerError: string | null;
}

/** `dfly preheat` → tracker. */
export interface PreheatRequest {
  url: string;
  tag: string;
  /**
   * `sha256:HEX` of a registry blob: the task is then keyed by digest (as
   * the registry mirror keys it), not by URL and tag.
   */
  digest: string | null;
}

/** Tracker → `dfly preheat`. */
export interface PreheatResponse {
  taskId: string;
  /** `done`: a seed already holds it all (no-op); `started`: a seed was asked now; `running`: asked before, still fetching. */
  status: "done" | "started" | "running";
  /** The seed's host id. */
  seed: string | null;
}

/** Host under which imported names live: `.invalid` never resolves (RFC 2606), so no agent ever fetches it from a source. */
export const IMPORT_HOST = "dfly-import.invalid";

const NAME = /^[A-Za-z0-9._~:@+\-/]{1,200}$/;

/** Checks an import name; throws WireError when it does not fit. */
export function checkImportName(name: string): string {
  if (!NAME.test(name) || name.startsWith("/") || name.includes("..")) {
    throw new WireError(
      `Import name "${
        name.slice(0, 60)
      }" must be 1-200 characters of A-Z a-z 0-9 . _ ~ : @ + - /, not start with / nor contain ..`,
    );
  }
  return name;
}

/**
 * The URL a named import is known by; its task id is `taskId({ url })`.
 *
 * @example
 * ```ts
 * import { importUrl, importName } from "./wire_ops.ts";
 * if (importName(importUrl("models/llama.bin")) !== "models/llama.bin") throw new Error();
 * ```
 */
export function importUrl(name: string): string {
  return `https://${IMPORT_HOST}/${encodeURI(checkImportName(name))}`;
}

/** The import name of `url`, or null when it is not an import URL. */
export function importName(url: string): string | null {
  const prefix = `https://${IMPORT_HOST}/`;
  return url.startsWith(prefix) ? decodeURI(url.slice(prefix.length)) : null;
}

/** Parses a {@link GcRequest}. */
export function parseGcRequest(value: unknown): GcRequest {
  const o = record(value, "gc");
  const limit = (key: string): number | null => {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw new WireError(`gc.${key} must be a non-negative integer or null`);
    }
    return v;
  };
  return { ttlMs: limit("ttlMs"), quota: limit("quota") };
}

/** Parses a {@link PreheatRequest}. */
export function parsePreheatRequest(value: unknown): PreheatRequest {
  const o = record(value, "preheat");
  const url = o.url;
  if (typeof url !== "string" || url.length > 8192 || !/^https?:\/\/[^\s]+$/.test(url)) {
    throw new WireError("preheat.url must be an http(s) URL");
  }
  try {
    new URL(url);
  } catch {
    throw new WireError("preheat.url must be an http(s) URL");
  }
  const tag = o.tag ?? "";
  if (typeof tag !== "string" || tag.length > 256) {
    throw new WireError("preheat.tag must be a string of at most 256 characters");
  }
  const digest = o.digest ?? null;
  if (digest !== null && (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest))) {
    throw new WireError("preheat.digest must be sha256: followed by 64 lowercase hex characters");
  }
  return { url, tag, digest };
}

/** Parses a {@link PreheatResponse}. */
export function parsePreheatResponse(value: unknown): PreheatResponse {
  const o = record(value, "preheat response");
  if (typeof o.taskId !== "string" || !isTaskId(o.taskId)) {
    throw new WireError("preheat response.taskId must be a task id");
  }
  if (o.status !== "done" && o.status !== "started" && o.status !== "running") {
    throw new WireError("preheat response.status must be done, started or running");
  }
  if (o.seed !== null && typeof o.seed !== "string") {
    throw new WireError("preheat response.seed must be a string or null");
  }
  return { taskId: o.taskId, status: o.status, seed: o.seed as string | null };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
