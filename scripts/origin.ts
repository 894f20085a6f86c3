/**
 * @module origin — a small HTTP origin for tests and the demo: serves one
 * file from disk with Range, HEAD, ETag and Last-Modified, counts the body
 * bytes it hands out (`GET /_stats`), and can demand a header (401 without
 * it) to prove that `dfly get -H` reaches the source.
 *
 * ```sh
 * deno run -A scripts/origin.ts --listen 127.0.0.1:0 --size 256MiB
 * deno run -A scripts/origin.ts --file ./big.iso --path /big.iso --require-header 'Authorization: Bearer x'
 * ```
 *
 * It logs `origin file url=… path=… size=… sha256=…` and then
 * `listening url=…` (the base URL) on stderr.
 *
 * For fault tests it can misbehave (see {@link OriginFaults}): answer an error
 * status, reset the connection or end the body short mid-response, or turn
 * into a new version of the file (new bytes, ETag and Last-Modified).
 */
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { parseHeader } from "../get/parse_header.ts";
import { parseListen } from "../util/http.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { parseSize } from "../util/units.ts";

/** Options of {@link startOrigin}. */
export interface OriginOptions {
  /** `host:port` to listen on (default 127.0.0.1:0). */
  listen?: string;
  /** The file to serve. */
  file: string;
  /** URL path it is served at (default `/` + the file's name). */
  path?: string;
  /** A header every file request must carry, or 401. */
  requireHeader?: [string, string] | null;
  /** The file's sha256 hex when already known (skips hashing it). */
  sha256?: string;
  log?: Logger;
  /** Ways to misbehave, for fault tests. */
  faults?: OriginFaults;
}

/** How a faulty origin misbehaves on file GETs (each field off when absent). */
export interface OriginFaults {
  /** Answer every file request with this status. */
  failStatus?: number;
  /** Reset the connection after this many body bytes of a response. */
  resetAfter?: number;
  /** End the body this many bytes before its Content-Length (a clean close). */
  shortBy?: number;
  /** Only the first N file GETs get `resetAfter`/`shortBy` (all when absent). */
  faultyRequests?: number;
  /** After N file GETs the file changes: every byte differs, new ETag and Last-Modified. */
  changeAfter?: number;
}

/** Counters behind `GET /_stats`. */
export interface OriginStats {
  /** Body bytes handed to connections (counted as the response streams are pulled). */
  bytesSent: number;
  /** Requests for the file (GET and HEAD). */
  requests: number;
}

/** A running origin. */
export interface Origin {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** URL of the served file. */
  fileUrl: string;
  size: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
  stats(): OriginStats;
  close(): Promise<void>;
}

/** Bytes read from disk per chunk of a response body. */
const READ_CHUNK = 256 * 1024;
/** `crypto.getRandomValues` fills at most this many bytes per call. */
const RANDOM_CHUNK = 64 * 1024;

/**
 * Interprets a `Range` header against a file of `size` bytes: a single byte
 * range `[start, end)`, `"unsatisfiable"` (answer 416), or null to ignore it
 * and send the whole file (absent, malformed or multi-range headers).
 *
 * @example
 * ```ts
 * import { parseRange } from "./origin.ts";
 * const r = parseRange("bytes=-10", 100);
 * if (r === null || r === "unsatisfiable" || r.start !== 90 || r.end !== 100) throw new Error();
 * ```
 */
export function parseRange(
  header: string | null,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  if (header === null) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return null;
  if (start >= size) return "unsatisfiable";
  const last = m[2] === "" ? size - 1 : Number(m[2]);
  return { start, end: Math.min(last, size - 1) + 1 };
}

/** Writes `size` random bytes to `path` and resolves to their sha256 hex. */
export async function generateRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const buffer = new Uint8Array(Math.min(size, 1 << 20));
    for (let left = size; left > 0;) {
      const n = Math.min(left, buffer.byteLength);
      const chunk = buffer.subarray(0, n);
      for (let at = 0; at < n; at += RANDOM_CHUNK) {
        crypto.getRandomValues(chunk.subarray(at, Math.min(n, at + RANDOM_CHUNK)));
      }
      hash.update(chunk);
      for (let at = 0; at < n;) at += await file.write(chunk.subarray(at));
      left -= n;
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

/** The sha256 hex of a file, read as a stream. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Starts serving `options.file`. */
export async function startOrigin(options: OriginOptions): Promise<Origin> {
  const log = options.log ?? createLogger("origin");
  const info = await Deno.stat(options.file);
  if (!info.isFile) throw new Error(`Cannot serve ${options.file} as it is not a file`);
  const size = info.size;
  const sha256 = options.sha256 ?? await hashFile(options.file);
  const path = options.path ?? `/${encodeURIComponent(basename(options.file))}`;
  const etag = `"${sha256.slice(0, 32)}"`;
  const lastModified = (info.mtime ?? new Date()).toUTCString();
  const stats: OriginStats = { bytesSent: 0, requests: 0 };
  const required = options.requireHeader ?? null;
  const faults = options.faults ?? {};
  let gets = 0;

  const serveFile = async (req: Request): Promise<Response> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    stats.requests++;
    if (required && req.headers.get(required[0]) !== required[1]) {
      return new Response(`missing header ${required[0]}\n`, { status: 401 });
    }
    if (faults.failStatus !== undefined) {
      return new Response(`failing on purpose\n`, { status: faults.failStatus });
    }
    const getIndex = req.method === "GET" ? gets++ : gets;
    const changed = faults.changeAfter !== undefined && getIndex >= faults.changeAfter;
    const faulty = faults.faultyRequests === undefined || getIndex < faults.faultyRequests;
    const headers = new Headers({
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
      etag: changed ? `"${sha256.slice(0, 31)}v2"` : etag,
      "last-modified": changed
        ? new Date(Date.parse(lastModified) + 86_400_000).toUTCString()
        : lastModified,
    });
    const ifRange = req.headers.get("if-range");
    const range = ifRange !== null && ifRange !== etag && ifRange !== lastModified
      ? null
      : parseRange(req.headers.get("range"), size);
    if (range === "unsatisfiable") {
      headers.set("content-range", `bytes */${size}`);
      return new Response(null, { status: 416, headers });
    }
    const { start, end } = range ?? { start: 0, end: size };
    headers.set("content-length", String(end - start));
    if (range) headers.set("content-range", `bytes ${start}-${end - 1}/${size}`);
    const status = range ? 206 : 200;
    if (req.method === "HEAD") return new Response(null, { status, headers });
    let body = await fileBody(options.file, start, end, (n) => stats.bytesSent += n);
    if (changed) body = body.pipeThrough(flipBytes());
    if (faulty && faults.resetAfter !== undefined) {
      body = body.pipeThrough(cutAfter(faults.resetAfter, "reset"));
    } else if (faulty && faults.shortBy !== undefined) {
      body = body.pipeThrough(cutAfter(Math.max(0, end - start - faults.shortBy), "close"));
    }
    return new Response(body, { status, headers });
  };

  const { hostname, port } = parseListen(options.listen ?? "127.0.0.1:0");
  const server = Deno.serve({ hostname, port, onListen: () => {} }, (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === "/_stats" && req.method === "GET") return Response.json({ ...stats });
    if (pathname === path) return serveFile(req);
    return new Response("not found\n", { status: 404 });
  });
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
  const fileUrl = `${url}${path}`;
  log.info("origin file", { url: fileUrl, path: options.file, size, sha256 });
  log.info("listening", { url });
  return {
    url,
    fileUrl,
    size,
    sha256,
    stats: () => ({ ...stats }),
    close: () => server.shutdown(),
  };
}

/** The "new version" of the file: every byte XOR 0x5a. */
function flipBytes(): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk.map((b) => b ^ 0x5a));
    },
  });
}

/** Passes `limit` bytes, then errors the body (connection reset) or ends it early. */
function cutAfter(limit: number, how: "reset" | "close"): TransformStream<Uint8Array, Uint8Array> {
  let left = limit;
  return new TransformStream({
    transform(chunk, controller) {
      if (left <= 0) return;
      controller.enqueue(chunk.subarray(0, left));
      left -= Math.min(left, chunk.byteLength);
      if (left > 0) return;
      if (how === "reset") controller.error(new Error("origin fault: connection reset"));
      else controller.terminate();
    },
  });
}

/** Streams bytes `[start, end)` of `path`, reading only as fast as the client takes them. */
async function fileBody(
  path: string,
  start: number,
  end: number,
  onBytes: (n: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path);
  if (start > 0) await file.seek(start, Deno.SeekMode.Start);
  let left = end - start;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (left <= 0) {
          close();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(Math.min(READ_CHUNK, left));
        const n = await file.read(buffer);
        if (n === null || n === 0) throw new Error(`${path} ended early (was it truncated?)`);
        left -= n;
        onBytes(n);
        controller.enqueue(n === buffer.byteLength ? buffer : buffer.subarray(0, n));
      } catch (err) {
        close();
        controller.error(err);
      }
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });
}

const USAGE = `origin — serve one file for dfly tests and demos

Usage: deno run -A scripts/origin.ts (--file PATH | --size SIZE) [options]

Options:
  --listen HOST:PORT       where to listen (default 127.0.0.1:0)
  --file PATH              serve this file
  --size SIZE              generate a random file of this size (e.g. 256MiB)
  --dir DIR                where --size writes file.bin (default: a temp dir removed on exit;
                           give one when the origin may be killed with SIGKILL)
  --path /URL/PATH         URL path of the file (default /file.bin with --size, else /NAME)
  --require-header 'N: v'  answer 401 to file requests without this header
  --fail-status CODE       fault: answer every file request with CODE
  --reset-after SIZE       fault: reset the connection after SIZE body bytes
  --short-by SIZE          fault: end each body SIZE bytes before its Content-Length
  --faulty-requests N      fault: only the first N GETs get --reset-after/--short-by
  --change-after N         fault: after N GETs the file is a new version (bytes, ETag,
                           Last-Modified all change)
  -h, --help               show this help

GET /_stats answers {"bytesSent", "requests"}.`;

async function main(args: string[]): Promise<number> {
  const log = createLogger("origin");
  const { values } = parseArgs({
    args,
    options: {
      listen: { type: "string", default: "127.0.0.1:0" },
      file: { type: "string" },
      size: { type: "string" },
      dir: { type: "string" },
      path: { type: "string" },
      "require-header": { type: "string" },
      "fail-status": { type: "string" },
      "reset-after": { type: "string" },
      "short-by": { type: "string" },
      "faulty-requests": { type: "string" },
      "change-after": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((values.file === undefined) === (values.size === undefined)) {
    throw new RangeError("give exactly one of --file PATH or --size SIZE");
  }
  if (values.path !== undefined && !values.path.startsWith("/")) {
    throw new RangeError(`--path must start with /: current value is ${values.path}`);
  }
  let tempDir: string | null = null;
  let file = values.file;
  let sha256: string | undefined;
  if (values.size !== undefined) {
    const size = parseSize(values.size);
    if (values.dir === undefined) tempDir = await Deno.makeTempDir({ prefix: "dfly-origin-" });
    file = join(values.dir ?? tempDir!, "file.bin");
    sha256 = await generateRandomFile(file, size);
  } else if (values.dir !== undefined) {
    throw new RangeError("--dir only goes with --size");
  }
  try {
    const origin = await startOrigin({
      listen: values.listen,
      file: file!,
      path: values.path ?? (values.size !== undefined ? "/file.bin" : undefined),
      requireHeader: values["require-header"] ? parseHeader(values["require-header"]) : null,
      sha256,
      log,
      faults: faultsFromFlags(values),
    });
    await new Promise<void>((resolve) => {
      for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, resolve);
    });
    await origin.close();
  } finally {
    if (tempDir) await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
  return 0;
}

function faultsFromFlags(values: Record<string, unknown>): OriginFaults {
  const text = (name: string) => values[name] as string | undefined;
  const count = (name: string) => {
    const t = text(name);
    if (t === undefined) return undefined;
    if (!/^\d+$/.test(t)) throw new RangeError(`--${name} must be a whole number, not "${t}"`);
    return Number(t);
  };
  const size = (name: string) => text(name) === undefined ? undefined : parseSize(text(name)!);
  return {
    failStatus: count("fail-status"),
    resetAfter: size("reset-after"),
    shortBy: size("short-by"),
    faultyRequests: count("faulty-requests"),
    changeAfter: count("change-after"),
  };
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`origin: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(2);
  }
}
