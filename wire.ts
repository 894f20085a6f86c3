/**
 * @module wire — the contract between agents, the tracker and `dfly get`:
 * route paths, message types, and one `parseX(json)` per message that throws
 * {@link WireError} on anything that does not fit. Both roles import this
 * module; neither imports the other.
 */
import { WireError } from "./errors.ts";
import { isTaskId } from "./util/task_id_pattern.ts";

/** Routes served by the tracker. */
export const TRACKER_ROUTES = {
  /** POST {@link AnnounceRequest} → {@link AnnounceResponse}. */
  announce: "/api/v1/announce",
  /** POST {@link HeartbeatRequest} → {@link HeartbeatResponse}. */
  heartbeat: "/api/v1/heartbeat",
  /** POST {@link LeaveRequest} → `{ ok: true }`. */
  leave: "/api/v1/leave",
  /** GET → `{ tasks: TaskSummary[] }`. */
  tasks: "/api/v1/tasks",
  /** GET → {@link TaskDetail}. */
  task: "/api/v1/tasks/:taskId",
  /** GET → `{ hosts: HostSummary[] }`. */
  hosts: "/api/v1/hosts",
  /** GET → {@link Overview} (dashboard, `dfly tasks --tracker`); `?hosts=N` lists the N busiest. */
  overview: "/api/v1/overview",
  /** GET → {@link PieceMap} of one task (`?rows=&cols=` bound its size). */
  pieceMap: "/api/v1/tasks/:taskId/pieces",
  /** GET → Prometheus text. */
  metrics: "/metrics",
  /** GET → the dashboard page (HTML; its data comes from the JSON routes). */
  dashboard: "/",
} as const;

/** Routes served by an agent. */
export const AGENT_ROUTES = {
  /** GET → the verified bytes of one piece. */
  piece: "/api/v1/pieces/:taskId/:index",
  /** POST {@link SeedRequest} (tracker → seed agent) → 202. */
  seed: "/api/v1/seed",
  /** POST {@link DownloadRequest} (loopback only) → NDJSON {@link DownloadEvent}s or the content. */
  downloads: "/api/v1/downloads",
  /** GET → `{ tasks: AgentTaskSummary[] }`. */
  tasks: "/api/v1/tasks",
  /** GET → {@link AgentTaskSummary}. */
  task: "/api/v1/tasks/:taskId",
  /** GET → Prometheus text. */
  metrics: "/metrics",
} as const;

/** Largest JSON body any route accepts. */
export const MAX_JSON_BODY = 1 << 20;
/** Header that carries the shared secret (`--token`). */
export const TOKEN_HEADER = "x-dfly-token";
/** Response header with the task id of a streamed download. */
export const TASK_ID_HEADER = "x-dfly-task-id";
/**
 * Error code of a seed's 429 for a piece it is already sending, or sent less
 * than its hold time ago, to another peer: not a failure of the seed; take
 * the piece from peers (see agent/piece_spread.ts).
 */
export const PIECE_SPREAD_CODE = "piece_spread";
/** Error code of an agent's 429 when all its upload slots are taken: not a failure; ask another parent. */
export const UPLOADS_BUSY_CODE = "uploads_busy";
/** Header of a `piece_spread` answer: pieces the seed would serve now, comma-separated. */
export const SPREAD_SUGGEST_HEADER = "x-dfly-suggest";
/** Header of a `piece_spread` answer: milliseconds until the refused piece may be asked again. */
export const SPREAD_RETRY_HEADER = "x-dfly-retry-ms";
/**
 * Header of a piece request: the asking agent as a {@link PeerRef}, so that a
 * seed can name it to the next askers of the same piece.
 */
export const PEER_HEADER = "x-dfly-peer";
/**
 * Header of a `piece_spread` answer: the peer (a {@link PeerRef}) that last
 * had the whole refused piece from the seed. The asker takes it from there
 * before the tracker's next answer lists that peer as a holder.
 */
export const SPREAD_HOLDER_HEADER = "x-dfly-holder";
/** Error code of an agent's 404 for a piece it does not hold (yet). */
export const PIECE_NOT_HELD_CODE = "piece_not_held";

/** An agent as named in {@link PEER_HEADER} and {@link SPREAD_HOLDER_HEADER}: `hostId addr`. */
export interface PeerRef {
  hostId: string;
  addr: string;
}

const PEER_REF = /^([0-9a-f]{32}) ([A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:.]{2,45}\]):(\d{1,5})$/;

/**
 * Reads a {@link PeerRef} header value; null when absent or malformed (the
 * header is a hint, never an error).
 *
 * @example
 * ```ts
 * import { formatPeerRef, parsePeerRef } from "./wire.ts";
 * const ref = { hostId: "0123456789abcdef0123456789abcdef", addr: "10.0.0.2:65002" };
 * if (parsePeerRef(formatPeerRef(ref))?.addr !== ref.addr) throw new Error();
 * if (parsePeerRef("nonsense") !== null) throw new Error();
 * ```
 */
export function parsePeerRef(text: string | null | undefined): PeerRef | null {
  const m = text ? PEER_REF.exec(text) : null;
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) return null;
  return { hostId: m[1], addr: `${m[2]}:${m[3]}` };
}

/** The header value of a {@link PeerRef}. */
export function formatPeerRef(ref: PeerRef): string {
  return `${ref.hostId} ${ref.addr}`;
}

/** One host (agent) as the tracker knows it. Its id is also its peer id in every task. */
export interface HostInfo {
  /** 32 hex characters, chosen once per data dir. */
  id: string;
  /** `host:port` where other agents reach this agent's piece server. */
  addr: string;
  /** Location label (`--idc`); peers with the same label are preferred. */
  idc: string;
  /** True for seed agents (`--seed`). */
  seed: boolean;
  /** Piece uploads in progress right now. */
  uploads: number;
}

/** Why a downloader gave up on a piece from a parent. */
export type FailureReason = "digest" | "timeout" | "http" | "connect";

/** A parent's misbehaviour as seen by a downloader. */
export interface PieceFailure {
  hostId: string;
  piece: number;
  reason: FailureReason;
}

/** What a source-goer learned from the origin. */
export interface SourceReport {
  length: number;
  etag: string | null;
  lastModified: string | null;
  /** `[pieceIndex, sha256 hex]` for pieces this peer fetched from the source. */
  digests: [number, string][];
}

/** Agent → tracker, for one task: "here is what I have, whom should I ask?". */
export interface AnnounceRequest {
  host: HostInfo;
  task: {
    id: string;
    url: string;
    tag: string;
    /** The caller sent source headers (credentials): no seed can fetch it for us. */
    private: boolean;
  };
  /** Pieces verified since the last announce, or all of them when `full`. */
  have: number[];
  full: boolean;
  /** Highest digest sequence number already received for this task. */
  digestCursor: number;
  source: SourceReport | null;
  /** Set when this peer was sent to the source and the source failed. */
  sourceError: string | null;
  failed: PieceFailure[];
  done: boolean;
  /**
   * The `listing` token of the last answer this peer applied (0: none). The
   * tracker leaves out parents that answer listed as they still are.
   */
  listing: number;
}

/** A peer the tracker suggests pulling from. */
export interface ParentInfo {
  hostId: string;
  addr: string;
  idc: string;
  seed: boolean;
  score: number;
  /** Base64 {@link Bitset} of the pieces it holds. */
  pieces: string;
}

/** Task metadata as far as the tracker knows it. */
export interface TaskMeta {
  id: string;
  length: number | null;
  pieceSize: number | null;
  pieceCount: number | null;
  etag: string | null;
  lastModified: string | null;
}

/** Tracker → agent answer to an announce. */
export interface AnnounceResponse {
  /** Null when unchanged since the answer whose `listing` token was echoed. */
  task: TaskMeta | null;
  /** `[pieceIndex, sha256 hex]` with sequence number above the request's cursor. */
  digests: [number, string][];
  digestCursor: number;
  /** This peer should fetch pieces nobody has from the source. */
  backToSource: boolean;
  parents: ParentInfo[];
  /** When to announce again at the latest. */
  announceAfterMs: number;
  /** The tracker did not know this peer: send the full piece set next time. */
  resync: boolean;
  /**
   * Echo this in the next announce. Parents listed before and unchanged are
   * left out of `parents` while the echoed tokens run unbroken; keep them.
   */
  listing: number;
}

/** An agent's cumulative byte counters since it started (for rates and offload). */
export interface HostStats {
  /** Verified bytes downloaded from peers. */
  fromPeers: number;
  /** Verified bytes downloaded from the source. */
  fromSource: number;
  /** Piece bytes served to peers. */
  uploaded: number;
}

/** Agent → tracker liveness for the whole host; `tasks` only when resyncing. */
export interface HeartbeatRequest {
  host: HostInfo;
  tasks: { id: string; pieces: string; done: boolean }[] | null;
  /** Byte counters; null (or absent, from older agents) when not reported. */
  stats?: HostStats | null;
}

export interface HeartbeatResponse {
  resync: boolean;
  heartbeatMs: number;
}

/** Agent → tracker: this host no longer holds these tasks. */
export interface LeaveRequest {
  hostId: string;
  taskIds: string[];
}

/** Tracker → seed agent: fetch this task from the source. */
export interface SeedRequest {
  taskId: string;
  url: string;
  tag: string;
}

/** `dfly get` → local agent. */
export interface DownloadRequest {
  url: string;
  tag: string;
  filter: string[];
  /** Source-only headers; never stored, never sent to the tracker or peers. */
  headers: [string, string][];
  /** `sha256:HEX` the whole file must match, or null. */
  digest: string | null;
  /** Absolute output path; null streams the content in the response body. */
  output: string | null;
  /**
   * How often (ms) the agent sends a progress line with an output path: 100–60,000,
   * default {@link DEFAULT_PROGRESS_MS}. A caller that shows no progress asks for
   * few: each line costs the caller a wake-up (~2 ms of CPU in `dfly get`).
   */
  progressMs?: number;
}

/** Progress lines per {@link DownloadRequest} unless it says otherwise. */
export const DEFAULT_PROGRESS_MS = 200;

/** Progress and outcome lines of a download (NDJSON). */
export type DownloadEvent =
  | {
    type: "progress";
    taskId: string;
    total: number | null;
    bytes: number;
    fromPeers: number;
    fromSource: number;
  }
  | {
    type: "done";
    taskId: string;
    total: number;
    fromPeers: number;
    fromSource: number;
    seconds: number;
    output: string | null;
    via: "hardlink" | "copy" | "stream";
  }
  | { type: "error"; taskId: string | null; code: string; message: string };

/** One task in a tracker's listing. */
export interface TaskSummary {
  id: string;
  url: string;
  tag: string;
  length: number | null;
  pieceSize: number | null;
  pieceCount: number | null;
  digests: number;
  peers: number;
  done: number;
  createdAt: number;
}

/** One peer of a task in a tracker's task detail. */
export interface PeerSummary {
  hostId: string;
  addr: string;
  idc: string;
  seed: boolean;
  pieces: number;
  done: boolean;
  source: boolean;
  failures: number;
  updatedAt: number;
}

export interface TaskDetail extends TaskSummary {
  peerList: PeerSummary[];
}

/** One host in a tracker's host listing. */
export interface HostSummary extends HostInfo {
  lastSeen: number;
  /** Failures reported against it since it was first seen. */
  failures: number;
  /** Failures within the isolation window. */
  recentFailures: number;
  /** Not handed out as a parent until `isolatedUntil`. */
  isolated: boolean;
  isolatedUntil: number | null;
  /** Tasks it is a peer of. */
  tasks: number;
}

/** One task in an agent's local listing. */
export interface AgentTaskSummary {
  id: string;
  url: string;
  length: number | null;
  pieces: number;
  pieceCount: number | null;
  complete: boolean;
  /** A download of it is running now. */
  active: boolean;
  /** Bytes this agent fetched for it from peers / from the source since it started. */
  fromPeers: number;
  fromSource: number;
  /** Peers it fetched verified pieces from in that run. */
  parents: number;
}

/** One host's traffic as the tracker last heard it (dashboard, `dfly stat`). */
export interface HostTraffic {
  id: string;
  addr: string;
  idc: string;
  seed: boolean;
  /** Cumulative counters from its last heartbeat (zeros before the first). */
  fromPeers: number;
  fromSource: number;
  uploaded: number;
  /** Bytes per second between its last two heartbeats. */
  downRate: number;
  upRate: number;
  uploads: number;
  lastSeen: number;
}

/** One task in the tracker's {@link Overview}. */
export interface TaskOverview extends TaskSummary {
  /** Mean fraction of the pieces each peer holds, 0 to 1 (0 while the length is unknown). */
  progress: number;
}

/** The tracker's whole picture in one answer (the dashboard polls it). */
export interface Overview {
  now: number;
  version: string;
  tasks: TaskOverview[];
  /** Every host, or with `?hosts=N` the N busiest (down + up rate). */
  hosts: HostTraffic[];
  /** Hosts known in all (`hosts` may list fewer). */
  hostCount: number;
  totals: {
    fromPeers: number;
    fromSource: number;
    uploaded: number;
    /** fromPeers / (fromPeers + fromSource), or null before any byte. */
    offload: number | null;
  };
}

/**
 * Holders × pieces of one task, reduced to at most `rows` × `cols` cells so
 * its size does not grow with the swarm: a row is one peer (or a band of
 * peers, most pieces first), a column one piece (or a run of pieces); a cell
 * is the fraction 0–255 of that band's pieces held.
 */
export interface PieceMap {
  taskId: string;
  pieceCount: number;
  peers: number;
  rows: number;
  cols: number;
  /** Label per row: a host's addr, or `N peers` for a band. */
  rowLabels: string[];
  /** Base64 of `rows * cols` bytes, row by row. */
  cells: string;
  /** Per column: the smallest number of holders of any piece in it. */
  availability: number[];
}

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  code: string;
}

// ---- parsers --------------------------------------------------------------

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireError(`${what} must be a JSON object`);
  }
  return value as Json;
}

function string(obj: Json, key: string, what: string, max = 8192): string {
  const v = obj[key];
  if (typeof v !== "string") throw new WireError(`${what}.${key} must be a string`);
  if (v.length > max) throw new WireError(`${what}.${key} is longer than ${max} characters`);
  return v;
}

function nullableString(obj: Json, key: string, what: string, max = 8192): string | null {
  return obj[key] === null || obj[key] === undefined ? null : string(obj, key, what, max);
}

function boolean(obj: Json, key: string, what: string): boolean {
  const v = obj[key];
  if (typeof v !== "boolean") throw new WireError(`${what}.${key} must be true or false`);
  return v;
}

function integer(obj: Json, key: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  return checkInteger(obj[key], `${what}.${key}`, max);
}

function checkInteger(
  v: unknown,
  what: string,
  max = Number.MAX_SAFE_INTEGER,
  min = 0,
): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new WireError(`${what} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function array(obj: Json, key: string, what: string, max = 1 << 20): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new WireError(`${what}.${key} must be an array`);
  if (v.length > max) throw new WireError(`${what}.${key} has more than ${max} entries`);
  return v;
}

function taskIdField(obj: Json, key: string, what: string): string {
  const id = string(obj, key, what, 64);
  if (!isTaskId(id)) throw new WireError(`${what}.${key} must be 64 lowercase hex characters`);
  return id;
}

const HOST_ID = /^[0-9a-f]{32}$/;
const ADDR = /^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;
const DIGEST_HEX = /^[0-9a-f]{64}$/;

function hostIdField(obj: Json, key: string, what: string): string {
  const id = string(obj, key, what, 32);
  if (!HOST_ID.test(id)) throw new WireError(`${what}.${key} must be 32 lowercase hex characters`);
  return id;
}

function httpUrl(obj: Json, key: string, what: string): string {
  const url = string(obj, key, what);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WireError(`${what}.${key} is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new WireError(`${what}.${key} must be an http or https URL`);
  }
  return url;
}

/** True when `addr` is `host:port` with a port from 1 to 65535. */
export function isAddr(addr: string): boolean {
  if (!ADDR.test(addr)) return false;
  const port = Number(addr.slice(addr.lastIndexOf(":") + 1));
  return port >= 1 && port <= 65535;
}

/** Parses a {@link HostInfo}. */
export function parseHostInfo(value: unknown): HostInfo {
  const o = object(value, "host");
  const addr = string(o, "addr", "host", 300);
  if (!isAddr(addr)) throw new WireError("host.addr must be host:port");
  return {
    id: hostIdField(o, "id", "host"),
    addr,
    idc: string(o, "idc", "host", 64),
    seed: boolean(o, "seed", "host"),
    uploads: integer(o, "uploads", "host", 1e6),
  };
}

function parseDigestPairs(list: unknown[], what: string): [number, string][] {
  return list.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new WireError(`${what}[${i}] must be [index, sha256hex]`);
    }
    const digest = entry[1];
    if (typeof digest !== "string" || !DIGEST_HEX.test(digest)) {
      throw new WireError(`${what}[${i}] digest must be 64 lowercase hex characters`);
    }
    return [checkInteger(entry[0], `${what}[${i}] index`), digest];
  });
}

/** Parses an {@link AnnounceRequest}. */
export function parseAnnounceRequest(value: unknown): AnnounceRequest {
  const o = object(value, "announce");
  const t = object(o.task, "announce.task");
  let source: SourceReport | null = null;
  if (o.source !== null && o.source !== undefined) {
    const s = object(o.source, "announce.source");
    source = {
      length: integer(s, "length", "announce.source"),
      etag: nullableString(s, "etag", "announce.source", 1024),
      lastModified: nullableString(s, "lastModified", "announce.source", 1024),
      digests: parseDigestPairs(array(s, "digests", "announce.source"), "announce.source.digests"),
    };
  }
  const failed = array(o, "failed", "announce", 10_000).map((f, i) => {
    const x = object(f, `announce.failed[${i}]`);
    const reason = string(x, "reason", `announce.failed[${i}]`, 16);
    if (!["digest", "timeout", "http", "connect"].includes(reason)) {
      throw new WireError(`announce.failed[${i}].reason must be digest, timeout, http or connect`);
    }
    return {
      hostId: hostIdField(x, "hostId", `announce.failed[${i}]`),
      piece: integer(x, "piece", `announce.failed[${i}]`),
      reason: reason as FailureReason,
    };
  });
  return {
    host: parseHostInfo(o.host),
    task: {
      id: taskIdField(t, "id", "announce.task"),
      url: httpUrl(t, "url", "announce.task"),
      tag: string(t, "tag", "announce.task", 256),
      private: boolean(t, "private", "announce.task"),
    },
    have: array(o, "have", "announce").map((v, i) => checkInteger(v, `announce.have[${i}]`)),
    full: boolean(o, "full", "announce"),
    digestCursor: integer(o, "digestCursor", "announce"),
    source,
    sourceError: nullableString(o, "sourceError", "announce", 1024),
    failed,
    done: boolean(o, "done", "announce"),
    // Agents before this field get every parent in full.
    listing: o.listing === undefined ? 0 : integer(o, "listing", "announce"),
  };
}

function parseTaskMeta(value: unknown): TaskMeta {
  const t = object(value, "announce response.task");
  const nullableInt = (key: string) => t[key] === null ? null : integer(t, key, "task");
  return {
    id: taskIdField(t, "id", "task"),
    length: nullableInt("length"),
    pieceSize: nullableInt("pieceSize"),
    pieceCount: nullableInt("pieceCount"),
    etag: nullableString(t, "etag", "task"),
    lastModified: nullableString(t, "lastModified", "task"),
  };
}

/** Parses an {@link AnnounceResponse}. */
export function parseAnnounceResponse(value: unknown): AnnounceResponse {
  const o = object(value, "announce response");
  return {
    task: o.task === null ? null : parseTaskMeta(o.task),
    digests: parseDigestPairs(array(o, "digests", "response"), "response.digests"),
    digestCursor: integer(o, "digestCursor", "response"),
    backToSource: boolean(o, "backToSource", "response"),
    parents: array(o, "parents", "response", 1000).map((p, i) => {
      const x = object(p, `parents[${i}]`);
      const addr = string(x, "addr", `parents[${i}]`, 300);
      if (!isAddr(addr)) throw new WireError(`parents[${i}].addr must be host:port`);
      const score = x.score;
      if (typeof score !== "number" || !Number.isFinite(score)) {
        throw new WireError(`parents[${i}].score must be a number`);
      }
      return {
        hostId: hostIdField(x, "hostId", `parents[${i}]`),
        addr,
        idc: string(x, "idc", `parents[${i}]`, 64),
        seed: boolean(x, "seed", `parents[${i}]`),
        score,
        pieces: string(x, "pieces", `parents[${i}]`, 1 << 20),
      };
    }),
    announceAfterMs: integer(o, "announceAfterMs", "response", 3_600_000),
    resync: boolean(o, "resync", "response"),
    listing: o.listing === undefined ? 0 : integer(o, "listing", "response"),
  };
}

/** Parses a {@link HeartbeatRequest}. */
export function parseHeartbeatRequest(value: unknown): HeartbeatRequest {
  const o = object(value, "heartbeat");
  const tasks = o.tasks === null || o.tasks === undefined
    ? null
    : array(o, "tasks", "heartbeat", 100_000).map((t, i) => {
      const x = object(t, `heartbeat.tasks[${i}]`);
      return {
        id: taskIdField(x, "id", `heartbeat.tasks[${i}]`),
        pieces: string(x, "pieces", `heartbeat.tasks[${i}]`, 1 << 20),
        done: boolean(x, "done", `heartbeat.tasks[${i}]`),
      };
    });
  let stats: HostStats | null = null;
  if (o.stats !== null && o.stats !== undefined) {
    const x = object(o.stats, "heartbeat.stats");
    stats = {
      fromPeers: integer(x, "fromPeers", "heartbeat.stats"),
      fromSource: integer(x, "fromSource", "heartbeat.stats"),
      uploaded: integer(x, "uploaded", "heartbeat.stats"),
    };
  }
  return { host: parseHostInfo(o.host), tasks, stats };
}

/** Parses a {@link HeartbeatResponse}. */
export function parseHeartbeatResponse(value: unknown): HeartbeatResponse {
  const o = object(value, "heartbeat response");
  return {
    resync: boolean(o, "resync", "response"),
    heartbeatMs: integer(o, "heartbeatMs", "response", 3_600_000),
  };
}

/** Parses a {@link LeaveRequest}. */
export function parseLeaveRequest(value: unknown): LeaveRequest {
  const o = object(value, "leave");
  return {
    hostId: hostIdField(o, "hostId", "leave"),
    taskIds: array(o, "taskIds", "leave", 100_000).map((id, i) => {
      if (typeof id !== "string" || !isTaskId(id)) {
        throw new WireError(`leave.taskIds[${i}] must be 64 lowercase hex characters`);
      }
      return id;
    }),
  };
}

/** Parses a {@link SeedRequest}. */
export function parseSeedRequest(value: unknown): SeedRequest {
  const o = object(value, "seed");
  return {
    taskId: taskIdField(o, "taskId", "seed"),
    url: httpUrl(o, "url", "seed"),
    tag: string(o, "tag", "seed", 256),
  };
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses a {@link DownloadRequest}. */
export function parseDownloadRequest(value: unknown): DownloadRequest {
  const o = object(value, "download");
  const digest = nullableString(o, "digest", "download", 80);
  if (digest !== null && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new WireError("download.digest must be sha256: followed by 64 lowercase hex characters");
  }
  const output = nullableString(o, "output", "download", 4096);
  if (output !== null && !output.startsWith("/")) {
    throw new WireError("download.output must be an absolute path");
  }
  return {
    url: httpUrl(o, "url", "download"),
    tag: string(o, "tag", "download", 256),
    filter: array(o, "filter", "download", 100).map((f, i) => {
      if (typeof f !== "string" || f.length === 0 || f.length > 256) {
        throw new WireError(`download.filter[${i}] must be a non-empty string`);
      }
      return f;
    }),
    headers: array(o, "headers", "download", 100).map((h, i) => {
      if (
        !Array.isArray(h) || h.length !== 2 || typeof h[0] !== "string" ||
        typeof h[1] !== "string" || !HEADER_NAME.test(h[0]) || /[\r\n]/.test(h[1])
      ) {
        throw new WireError(`download.headers[${i}] must be [name, value]`);
      }
      return [h[0], h[1]] as [string, string];
    }),
    digest,
    output,
    ...(o.progressMs === undefined
      ? {}
      : { progressMs: checkInteger(o.progressMs, "download.progressMs", 60_000, 100) }),
  };
}
