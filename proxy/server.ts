/**
 * @module server — the proxy's listener. It is `node:http` rather than
 * `Deno.serve` because a proxy must see the request-target as sent
 * (`GET /v2/…` for the mirror vs `GET http://host/…` as an HTTP proxy; Deno.serve
 * rebuilds both into the same URL) and must tunnel `CONNECT`, which
 * Deno.serve cannot. Each request becomes a web `Request` for the handler,
 * and the handler's `Response` is written back with back pressure.
 */
import http from "node:http";
import net from "node:net";
import { Readable } from "node:stream";
import { setImmediate } from "node:timers";
import { errorMessage } from "../errors.ts";
import { parseListen } from "../util/http.ts";
import type { Logger } from "../util/log.ts";
import type { ProxyHandler } from "./handler.ts";
import { routeConnect } from "./route.ts";

/** A running proxy listener. */
export interface RunningProxy {
  /** Base URL reachable from this host, e.g. `http://127.0.0.1:65001`. */
  url: string;
  port: number;
  shutdown(): Promise<void>;
}

/** Options of {@link serveProxy}. */
export interface ServeProxyOptions {
  listen: string;
  /** `--proxy-allow` hosts (CONNECT targets are checked against them). */
  allow: readonly string[];
  log: Logger;
}

/** Starts the proxy listener; resolves once it listens. */
export async function serveProxy(
  handler: ProxyHandler,
  options: ServeProxyOptions,
): Promise<RunningProxy> {
  const { hostname, port } = parseListen(options.listen);
  const { log } = options;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    void handleNodeRequest(handler, req, res, log);
  });
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Uint8Array) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    tunnel(req.url ?? "", socket, head, options.allow, sockets, log);
  });
  server.on("clientError", (_err: Error, socket: net.Socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const shown = addr.address === "0.0.0.0" || addr.address === "::" ? "127.0.0.1" : addr.address;
  const url = `http://${shown.includes(":") ? `[${shown}]` : shown}:${addr.port}`;
  return {
    url,
    port: addr.port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** IncomingMessage → Request → handler → Response → ServerResponse. */
async function handleNodeRequest(
  handler: ProxyHandler,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  log: Logger,
): Promise<void> {
  const target = req.url ?? "/";
  const form = target.startsWith("/") ? "origin" : "absolute";
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort(new Error("client went away"));
  });
  let response: Response;
  try {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    const host = headers.get("host") ?? "localhost";
    const url = form === "origin" ? `http://${host}${target}` : target;
    const method = req.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(form === "origin" || URL.canParse(url) ? url : "http://invalid/", {
      method,
      headers,
      body: hasBody ? Readable.toWeb(req) as ReadableStream<Uint8Array> : null,
      signal: aborted.signal,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
    response = await handler(request, form, target);
  } catch (err) {
    log.warn("proxy request failed", { target, error: errorMessage(err) });
    response = Response.json({ error: errorMessage(err), code: "bad_request" }, { status: 400 });
  }
  await writeResponse(response, res, req.method === "HEAD", aborted.signal);
}

async function writeResponse(
  response: Response,
  res: http.ServerResponse,
  head: boolean,
  aborted: AbortSignal,
): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (head || response.body === null) {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const onAbort = () => void reader.cancel(aborted.reason).catch(() => {});
  aborted.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      // node:http's drain can arrive without the event loop turning: with bodies read from the
      // page cache, one stream starved timers and the agent's piece server for up to ~0.7 s
      // (peers then timed out and fell back to the registry). setImmediate lets I/O in.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (aborted.aborted) return;
    }
    res.end();
  } catch {
    // The body failed after the status line went out: cut the connection so the
    // client sees a broken transfer and retries, instead of a short "complete" body.
    res.destroy();
  } finally {
    aborted.removeEventListener("abort", onAbort);
  }
}

/** Resolves when `res` can take more bytes or has closed. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** `CONNECT host:port`: a byte tunnel, no interception. */
function tunnel(
  authority: string,
  client: net.Socket,
  head: Uint8Array,
  allow: readonly string[],
  sockets: Set<net.Socket>,
  log: Logger,
): void {
  const route = routeConnect(authority, allow);
  if (route.kind === "refuse") {
    const reason = route.status === 403 ? "Forbidden" : "Bad Request";
    client.end(
      `HTTP/1.1 ${route.status} ${reason}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${route.message}\n`,
    );
    return;
  }
  const upstream = net.connect(route.port, route.hostname);
  let connected = false;
  sockets.add(upstream);
  upstream.once("close", () => sockets.delete(upstream));
  upstream.once("connect", () => {
    connected = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.byteLength > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once("error", (err: Error) => {
    log.info("CONNECT target unreachable", { target: authority, error: errorMessage(err) });
    if (!connected && client.writable) {
      client.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n");
    } else client.destroy();
  });
  client.once("error", () => upstream.destroy());
  client.once("close", () => upstream.destroy());
}
