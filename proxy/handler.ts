/**
 * @module handler — the proxy's request handler on web standards: routes each
 * request (see `route.ts`) to P2P, to the upstream, or to a refusal.
 */
import type { ProxyConfig } from "./config.ts";
import { type P2PDeps, p2pResponse } from "./p2p_response.ts";
import { type RequestForm, routeRequest } from "./route.ts";
import { errorResponse, forward } from "./upstream.ts";

/** What the handler needs. */
export interface ProxyHandlerDeps extends P2PDeps {
  config: Pick<ProxyConfig, "registry" | "rules" | "allow">;
}

/** Handles one request; `target` is the request-target exactly as the client sent it. */
export type ProxyHandler = (
  request: Request,
  form: RequestForm,
  target: string,
) => Promise<Response>;

/** Builds the proxy's handler. */
export function createProxyHandler(deps: ProxyHandlerDeps): ProxyHandler {
  return async function handleProxyRequest(request, form, target) {
    const route = routeRequest({
      method: request.method,
      form,
      target,
      registryHeader: request.headers.get("x-dfly-registry"),
    }, deps.config);
    if (route.kind === "refuse") {
      const code = { 403: "forbidden", 404: "not_found" }[route.status] ?? "bad_request";
      return errorResponse(route.status, code, route.message);
    }
    if (route.kind === "forward") return await forward(request, route.upstream);
    return await p2pResponse(request, route.upstream, route.digest, deps);
  };
}
