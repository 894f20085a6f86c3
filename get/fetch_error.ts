/**
 * @module fetch_error — turns the runtime's wordy fetch failures ("error
 * sending request for url (…): client error (Connect): tcp connect error:
 * Connection refused (os error 111)") into a short reason, and tells apart
 * "nobody there" (refused, unknown name) from a connection that broke later.
 */

/** What went wrong with a request that got no answer. */
export interface FetchFailure {
  /** Short reason in plain words, e.g. "connection refused". */
  reason: string;
  /** True when no connection was made at all (nothing listens, name unknown, no route). */
  unreachable: boolean;
}

const KNOWN: [RegExp, string, boolean][] = [
  [/connection refused/i, "connection refused", true],
  [
    /dns error|failed to lookup|name or service not known|no address associated/i,
    "unknown host name",
    true,
  ],
  [/network is unreachable/i, "network is unreachable", true],
  [/no route to host|host is unreachable/i, "no route to host", true],
  [/requests to port \d+ are blocked/i, "the runtime blocks that port", true],
  [/connection reset/i, "connection reset", false],
  [/error reading a body|unexpected eof|end of file before/i, "the connection broke", false],
  [/timed out|timeout/i, "timed out", false],
  [/certificate|tls|ssl/i, "TLS error", false],
  [/tcp connect error|client error \(connect\)/i, "cannot connect", true],
];

/**
 * Classifies a thrown fetch error.
 *
 * @example
 * ```ts
 * import { describeFetchError } from "./fetch_error.ts";
 * const err = new TypeError("fetch failed", {
 *   cause: new Error("client error (Connect): tcp connect error: Connection refused (os error 111)"),
 * });
 * const f = describeFetchError(err);
 * if (f.reason !== "connection refused" || !f.unreachable) throw new Error();
 * ```
 */
export function describeFetchError(err: unknown): FetchFailure {
  const text = flatten(err);
  for (const [pattern, reason, unreachable] of KNOWN) {
    if (pattern.test(text)) return { reason, unreachable };
  }
  const first = err instanceof Error ? err.message : String(err);
  return { reason: first.replaceAll("\n", " ").slice(0, 200), unreachable: false };
}

function flatten(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(" | ");
}

/** `host:port` of a URL for messages (the port filled in when implicit). */
export function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
}
