/**
 * @module proxy — the agent's registry mirror / HTTP proxy role: the handler
 * on its own listener (`--proxy HOST:PORT`), sharing the agent's downloads.
 */
import type { Logger } from "../util/log.ts";
import type { ProxyConfig } from "./config.ts";
import { createProxyHandler } from "./handler.ts";
import type { P2PDeps } from "./p2p_response.ts";
import { type RunningProxy, serveProxy } from "./server.ts";

/** Starts the proxy for `config` on top of the agent's task manager. */
export async function startProxy(
  config: ProxyConfig,
  deps: { manager: P2PDeps["manager"]; log: Logger },
): Promise<RunningProxy> {
  const handler = createProxyHandler({ config, manager: deps.manager, log: deps.log });
  const proxy = await serveProxy(handler, {
    listen: config.listen,
    allow: config.allow,
    log: deps.log,
  });
  deps.log.info("proxy listening", {
    proxy_url: proxy.url,
    registry: config.registry,
    rules: config.rules.map((r) => r.source).join(" "),
    allow: config.allow.join(",") || "any",
  });
  return proxy;
}
