/**
 * @module upstream — requests the proxy makes to the registry or origin
 * itself: relaying a request as is, and the access check that stands before
 * every blob served from P2P or the cache. Redirects are never followed here:
 * a 3xx answer goes back to the client, which follows it itself.
 */
import { reachError } from "../agent/source.ts";
import { errorMessage } from "../errors.ts";
import { forwardHeaders, relayResponseHeaders } from "./headers.ts";

/** A one-line JSON error answer in dfly's usual shape. */
export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: message, code }, { status });
}

/**
 * Sends `request` to `upstream` and relays the answer: status, headers (minus
 * hop-by-hop ones) and body unchanged. An unreachable upstream is a 502.
 */
export async function forward(request: Request, upstream: string): Promise<Response> {
  const headers = forwardHeaders(request.headers);
  // A body fetch decompressed would no longer match its Content-Length and digests.
  headers.set("accept-encoding", "identity");
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  let res: Response;
  try {
    res = await fetch(upstream, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      redirect: "manual",
      signal: request.signal,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (err) {
    return errorResponse(
      502,
      "upstream_unreachable",
      `cannot reach ${new URL(upstream).host}: ${reachError(err)}`,
    );
  }
  // A 304 to a conditional manifest GET (and 204/205) must not carry a body.
  const bodyless = request.method === "HEAD" || [204, 205, 304].includes(res.status);
  if (bodyless) await res.body?.cancel();
  return new Response(bodyless ? null : res.body, {
    status: res.status,
    statusText: res.statusText,
    headers: relayResponseHeaders(res.headers),
  });
}

/** The upstream's answer to the access check. */
export type AccessCheck =
  /** `headers` of a 2xx answer describe the blob; a redirect's (null here) do not. */
  | { granted: true; headers: Headers | null }
  | { granted: false; status: number | null; reason: string };

/**
 * Proves the caller may read `upstream` by asking the upstream with the
 * caller's own headers (a HEAD). 2xx, or a 3xx redirect to storage, grants
 * access; 401/403/404 and everything else does not, and the caller then gets
 * the upstream's own answer.
 */
export async function checkAccess(
  upstream: string,
  headers: readonly [string, string][],
  signal?: AbortSignal,
): Promise<AccessCheck> {
  const h = new Headers(headers as [string, string][]);
  h.set("accept-encoding", "identity");
  try {
    const res = await fetch(upstream, { method: "HEAD", headers: h, redirect: "manual", signal });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { granted: true, headers: res.headers };
    if (res.status >= 300 && res.status < 400) return { granted: true, headers: null };
    return { granted: false, status: res.status, reason: `upstream answered ${res.status}` };
  } catch (err) {
    return { granted: false, status: null, reason: errorMessage(err) };
  }
}
