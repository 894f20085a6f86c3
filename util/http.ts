/**
 * @module http — pieces every dfly HTTP server shares: the token check, a
 * size-bounded JSON body reader, one error handler that answers a one-line
 * JSON body, and `serveApp` which starts `Deno.serve` and logs where.
 */
import type { Context, ErrorHandler, Hono, MiddlewareHandler, NotFoundHandler } from "hono";
import { timingSafeEqual } from "node:crypto";
import { DflyError, errorMessage, WireError } from "../errors.ts";
import { MAX_JSON_BODY, TOKEN_HEADER } from "../wire.ts";
import type { Logger } from "./log.ts";
import type { TlsFiles } from "./tls.ts";

/** Options of {@link requireToken}. */
export interface RequireTokenOptions {
  /** The shared secret; null or "" lets every request through. */
  token: string | null;
  /** Paths that never need the token (e.g. health checks). */
  open?: readonly string[];
}

/**
 * Middleware answering 401 unless the request carries the shared token.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requireToken } from "./http.ts";
 * const app = new Hono().use(requireToken({ token: "s3cret" })).get("/", (c) => c.text("hi"));
 * const res = await app.request("/");
 * if (res.status !== 401) throw new Error();
 * ```
 */
export function requireToken(options: RequireTokenOptions): MiddlewareHandler {
  const expected = options.token ? new TextEncoder().encode(options.token) : null;
  const open = new Set(options.open ?? []);
  return async function requireTokenMiddleware(c, next) {
    if (expected && !open.has(c.req.path)) {
      // Prometheus scrapers send `Authorization: Bearer T`; dfly's own calls use the header.
      const bearer = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
      const given = new TextEncoder().encode(c.req.header(TOKEN_HEADER) ?? bearer ?? "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return c.json({ error: "Missing or wrong token", code: "unauthorized" }, 401);
      }
    }
    await next();
  };
}

/**
 * Reads the request body as JSON, refusing bodies over `max` bytes (413) and
 * malformed JSON (400) without buffering more than `max`.
 */
export async function readJson(c: Context, max = MAX_JSON_BODY): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > max) throw new DflyError(`Body is larger than ${max} bytes`, "too_large", 413);
  const body = c.req.raw.body;
  if (!body) throw new WireError("Body must be JSON");
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) throw new DflyError(`Body is larger than ${max} bytes`, "too_large", 413);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new WireError("Body is not valid JSON");
  }
}

/** `app.onError` handler: DflyErrors keep their status; anything else is a logged 500. */
export function errorHandler(log: Logger): ErrorHandler {
  return function onError(err, c) {
    if (err instanceof DflyError) {
      if (err.status >= 500) log.warn("request failed", { path: c.req.path, error: err.message });
      return c.json({ error: err.message, code: err.code }, err.status as 400);
    }
    log.error("internal error", { path: c.req.path, error: errorMessage(err) });
    return c.json({ error: "Internal error", code: "internal" }, 500);
  };
}

/** `app.notFound` handler answering a JSON 404. */
export const notFound: NotFoundHandler = (c) =>
  c.json({ error: `No route ${c.req.method} ${c.req.path}`, code: "not_found" }, 404);

/** Splits `host:port` (or `[v6]:port`) for `Deno.serve`; throws RangeError when malformed. */
export function parseListen(text: string): { hostname: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new RangeError(`Cannot listen on "${text}": use host:port, e.g. 0.0.0.0:8002`);
  }
  return { hostname: m[1] ?? m[2], port };
}

/** A running server. */
export interface RunningServer {
  /** Base URL reachable from this host (0.0.0.0 becomes 127.0.0.1). */
  url: string;
  port: number;
  hostname: string;
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

/** Options of {@link serveApp}. */
export interface ServeAppOptions {
  listen: string;
  log: Logger;
  /** Serve HTTPS with this certificate and key (`--tls-cert`, `--tls-key`). */
  tls?: TlsFiles | null;
}

/** Starts `Deno.serve` for `app` and logs `listening url=…`. */
export function serveApp(app: Hono, options: ServeAppOptions): RunningServer {
  const { hostname, port } = parseListen(options.listen);
  const server = Deno.serve({
    hostname,
    port,
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    onListen: () => {},
    onError: (err) => {
      options.log.error("internal error", { error: errorMessage(err) });
      return Response.json({ error: "Internal error", code: "internal" }, { status: 500 });
    },
  }, (req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }));
  const addr = server.addr as Deno.NetAddr;
  const shown = addr.hostname === "0.0.0.0" || addr.hostname === "::" ? "127.0.0.1" : addr.hostname;
  const host = shown.includes(":") ? `[${shown}]` : shown;
  const url = `${options.tls ? "https" : "http"}://${host}:${addr.port}`;
  options.log.info("listening", { url });
  return {
    url,
    port: addr.port,
    hostname: addr.hostname,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}

/** The remote address Deno.serve passed to `app.fetch` as env (see {@link serveApp}). */
export function remoteAddress(c: Context): string | null {
  const env = c.env as { remoteAddr?: Deno.NetAddr } | undefined;
  return env?.remoteAddr?.hostname ?? null;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(hostname: string | null): boolean {
  if (hostname === null) return false;
  return hostname === "::1" || /^(::ffff:)?127\./.test(hostname);
}
