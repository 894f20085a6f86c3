/**
 * @module route — what the proxy does with a request, decided from plain
 * data: registry blob GETs and rule-matching proxied GETs go through P2P,
 * everything else is forwarded upstream as is, and hosts outside
 * `--proxy-allow` are refused.
 */
import { blobTaskId } from "../util/task_id.ts";
import { parseRegistry } from "./config.ts";

/** How the request named its target: `GET /v2/...` (mirror) or `GET http://host/...` (proxy). */
export type RequestForm = "origin" | "absolute";

/** What {@link routeRequest} needs to know about a request. */
export interface RouteInput {
  method: string;
  form: RequestForm;
  /** Path and query (origin form) or the whole URL (absolute form). */
  target: string;
  /** The `X-Dfly-Registry` header, if any. */
  registryHeader: string | null;
}

/** The settings routing depends on (a subset of `ProxyConfig`). */
export interface RouteConfig {
  registry: string;
  rules: readonly RegExp[];
  allow: readonly string[];
}

/** What to do with one request. */
export type Route =
  /** Through P2P; `digest` (`sha256:HEX`) names a registry blob, null keys the task by URL. */
  | { kind: "p2p"; upstream: string; digest: string | null }
  /** Straight to `upstream`, answer relayed as is. */
  | { kind: "forward"; upstream: string }
  | { kind: "refuse"; status: number; message: string };

const BLOB_PATH =
  /^\/v2\/((?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\/)*[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)\/blobs\/(sha256:[0-9a-f]{64})$/;

/**
 * The repository name and digest of a registry blob path
 * (`/v2/<name>/blobs/sha256:<hex>`), or null for any other path.
 *
 * @example
 * ```ts
 * import { parseBlobPath } from "./route.ts";
 * const blob = parseBlobPath(`/v2/library/alpine/blobs/sha256:${"a".repeat(64)}`);
 * if (blob?.name !== "library/alpine") throw new Error();
 * if (parseBlobPath("/v2/library/alpine/manifests/latest") !== null) throw new Error();
 * ```
 */
export function parseBlobPath(path: string): { name: string; digest: string } | null {
  const m = BLOB_PATH.exec(path);
  return m ? { name: m[1], digest: m[2] } : null;
}

/**
 * True when `host` (`name` or `name:port`) may be proxied to: `allow` is
 * empty, or lists the name or the name with this port.
 */
export function hostAllowed(host: string, allow: readonly string[]): boolean {
  if (allow.length === 0) return true;
  const h = host.toLowerCase();
  const name = h.replace(/:\d+$/, "");
  return allow.includes(h) || allow.includes(name);
}

/**
 * Decides what the proxy does with a request.
 *
 * @example
 * ```ts
 * import { routeRequest } from "./route.ts";
 * const config = { registry: "https://index.docker.io", rules: [new RegExp("blobs/sha256.*")], allow: [] };
 * const r = routeRequest({
 *   method: "GET", form: "origin", target: "/v2/library/alpine/manifests/3", registryHeader: null,
 * }, config);
 * if (r.kind !== "forward" || r.upstream !== "https://index.docker.io/v2/library/alpine/manifests/3") {
 *   throw new Error(JSON.stringify(r));
 * }
 * ```
 */
export function routeRequest(input: RouteInput, config: RouteConfig): Route {
  return input.form === "origin" ? routeMirror(input, config) : routeProxy(input, config);
}

function routeMirror(input: RouteInput, config: RouteConfig): Route {
  // Resolve dot segments first, so /v2/../x cannot reach past the registry API.
  const normalized = new URL(input.target, "http://mirror.invalid");
  const path = normalized.pathname;
  const target = path + normalized.search;
  if (path !== "/v2" && !path.startsWith("/v2/")) {
    return { kind: "refuse", status: 404, message: `${path} is not a registry API path (/v2/...)` };
  }
  let registry = config.registry;
  if (input.registryHeader !== null) {
    try {
      registry = parseRegistry(input.registryHeader.trim(), "X-Dfly-Registry");
    } catch (err) {
      return { kind: "refuse", status: 400, message: (err as Error).message };
    }
    if (registry !== config.registry && !hostAllowed(new URL(registry).host, config.allow)) {
      return {
        kind: "refuse",
        status: 403,
        message: `registry ${new URL(registry).host} is not in --proxy-allow`,
      };
    }
  }
  const upstream = registry + target;
  const blob = input.method === "GET" ? parseBlobPath(path) : null;
  return blob ? { kind: "p2p", upstream, digest: blob.digest } : { kind: "forward", upstream };
}

function routeProxy(input: RouteInput, config: RouteConfig): Route {
  let url: URL;
  try {
    url = new URL(input.target);
  } catch {
    return { kind: "refuse", status: 400, message: `cannot proxy "${input.target}": not a URL` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { kind: "refuse", status: 400, message: `cannot proxy ${url.protocol} URLs` };
  }
  if (!hostAllowed(url.host, config.allow)) {
    return { kind: "refuse", status: 403, message: `${url.host} is not in --proxy-allow` };
  }
  const upstream = url.href;
  if (input.method !== "GET" || !config.rules.some((rule) => rule.test(upstream))) {
    return { kind: "forward", upstream };
  }
  return { kind: "p2p", upstream, digest: parseBlobPath(url.pathname)?.digest ?? null };
}

/**
 * What to do with `CONNECT authority`: tunnel to `host:port`, or refuse.
 *
 * @example
 * ```ts
 * import { routeConnect } from "./route.ts";
 * const r = routeConnect("example.org:443", ["registry.local"]);
 * if (r.kind !== "refuse" || r.status !== 403) throw new Error();
 * ```
 */
export function routeConnect(
  authority: string,
  allow: readonly string[],
): { kind: "tunnel"; hostname: string; port: number } | {
  kind: "refuse";
  status: number;
  message: string;
} {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.\-]+)):(\d{1,5})$/.exec(authority);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    return { kind: "refuse", status: 400, message: `CONNECT needs host:port, got "${authority}"` };
  }
  if (!hostAllowed(authority, allow)) {
    return { kind: "refuse", status: 403, message: `${authority} is not in --proxy-allow` };
  }
  return { kind: "tunnel", hostname: m[1] ?? m[2], port };
}

/**
 * The blob digest a seed must check a task against: the digest in `url`'s
 * blob path when `taskId` is that blob's task (the mirror keyed it so), else null.
 *
 * @example
 * ```ts
 * import { blobDigestOfTask } from "./route.ts";
 * import { blobTaskId } from "../util/task_id.ts";
 * const digest = `sha256:${"c".repeat(64)}`;
 * const url = `http://r/v2/a/blobs/${digest}`;
 * if (blobDigestOfTask(blobTaskId(digest), url) !== digest) throw new Error();
 * if (blobDigestOfTask("0".repeat(64), url) !== null) throw new Error();
 * ```
 */
export function blobDigestOfTask(taskId: string, url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const digest = parseBlobPath(path)?.digest ?? null;
  return digest !== null && blobTaskId(digest) === taskId ? digest : null;
}
