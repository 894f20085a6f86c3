/**
 * @module headers — which request and response headers cross the proxy.
 * Hop-by-hop headers stay on their hop; dfly's own `X-Dfly-*` headers never
 * leave the agent; the caller's credentials go to the source and nowhere else.
 */

/** Headers that belong to one connection (RFC 9110 §7.6.1) and are never relayed. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers that describe this request, not the caller: never part of a source fetch. */
const PER_REQUEST = new Set([
  "host",
  "range",
  "if-range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "accept-encoding",
  "content-length",
  "content-type",
  "expect",
]);

function relayable(name: string, connectionTokens: Set<string>): boolean {
  return !HOP_BY_HOP.has(name) && !connectionTokens.has(name) && !name.startsWith("x-dfly-");
}

function connectionTokens(headers: Headers): Set<string> {
  const value = headers.get("connection") ?? "";
  return new Set(value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/**
 * Headers of a request forwarded upstream unchanged (minus hop-by-hop and
 * `X-Dfly-*`); `Host` is set by fetch from the upstream URL.
 *
 * @example
 * ```ts
 * import { forwardHeaders } from "./headers.ts";
 * const h = forwardHeaders(new Headers({ authorization: "Bearer t", connection: "close", "x-dfly-registry": "r" }));
 * if (h.get("authorization") !== "Bearer t" || h.has("connection") || h.has("x-dfly-registry")) {
 *   throw new Error();
 * }
 * ```
 */
export function forwardHeaders(headers: Headers): Headers {
  const tokens = connectionTokens(headers);
  const out = new Headers();
  for (const [name, value] of headers) {
    if (relayable(name, tokens) && name !== "host") out.append(name, value);
  }
  return out;
}

/**
 * The caller's headers a P2P source fetch uses (credentials, user agent,
 * accept…): what {@link forwardHeaders} keeps minus those that describe this
 * one request (Range, conditionals, encodings). They live in memory for the
 * download only.
 */
export function sourceHeaders(headers: Headers): [string, string][] {
  const tokens = connectionTokens(headers);
  const out: [string, string][] = [];
  for (const [name, value] of headers) {
    if (relayable(name, tokens) && !PER_REQUEST.has(name)) out.push([name, value]);
  }
  return out;
}

/** True when the caller sent credentials (so no seed can fetch the source for it). */
export function hasCredentials(headers: readonly [string, string][]): boolean {
  return headers.some(([name]) => name === "authorization" || name === "cookie");
}

/** Response headers relayed to the client: all but hop-by-hop ones. */
export function relayResponseHeaders(headers: Headers): Headers {
  const tokens = connectionTokens(headers);
  const out = new Headers();
  for (const [name, value] of headers) {
    if (!HOP_BY_HOP.has(name) && !tokens.has(name)) out.append(name, value);
  }
  return out;
}

/** Headers of the registry's blob answer that a P2P-served blob answer repeats. */
export const BLOB_HEADERS = [
  "content-type",
  "docker-content-digest",
  "docker-distribution-api-version",
  "etag",
  "last-modified",
  "cache-control",
] as const;
