/**
 * @module config — the registry mirror / HTTP proxy settings of an agent
 * (`--proxy`, `--registry`, `--proxy-rule`, `--proxy-allow`) and how the
 * command-line flags become them.
 */
import { UsageError } from "../cli.ts";
import type { FlagValues } from "../cli.ts";
import { parseListen } from "../util/http.ts";

/** How the agent's proxy listener behaves. */
export interface ProxyConfig {
  /** `host:port` the proxy listener binds. */
  listen: string;
  /** Upstream registry for mirror requests (`GET /v2/...`) without `X-Dfly-Registry`. */
  registry: string;
  /** Absolute-form URLs matching any of these go through P2P (proxy mode). */
  rules: RegExp[];
  /** Hosts the proxy forwards to; empty allows any (an open proxy on its listener). */
  allow: string[];
}

/** Defaults of the optional proxy flags. */
export const PROXY_DEFAULTS = {
  registry: "https://index.docker.io",
  rules: ["blobs/sha256.*"],
} as const;

/** parseArgs option specs the proxy adds to `dfly agent`. */
export const PROXY_OPTIONS = {
  proxy: { type: "string" },
  registry: { type: "string" },
  "proxy-rule": { type: "string", multiple: true },
  "proxy-allow": { type: "string", multiple: true },
} as const;

/** Help lines of the proxy flags, for `dfly agent --help`. */
export const PROXY_USAGE =
  `  --proxy HOST:PORT      run the registry mirror / HTTP proxy there (e.g. 127.0.0.1:65001)
  --registry URL         upstream registry of the mirror (default https://index.docker.io);
                         a request's X-Dfly-Registry header overrides it
  --proxy-rule REGEX     proxied URLs matching it go through P2P (repeatable; default blobs/sha256.*)
  --proxy-allow HOST     only proxy to these hosts (repeatable; default: any)`;

/**
 * The proxy settings from parsed flags: null without `--proxy`; throws
 * UsageError on bad values (also when proxy flags come without `--proxy`).
 */
export function proxyConfigFromFlags(values: FlagValues): ProxyConfig | null {
  const listen = values.proxy as string | undefined;
  const registry = values.registry as string | undefined;
  const rules = (values["proxy-rule"] as string[] | undefined) ?? [];
  const allow = (values["proxy-allow"] as string[] | undefined) ?? [];
  if (listen === undefined) {
    if (registry !== undefined || rules.length > 0 || allow.length > 0) {
      throw new UsageError("--registry, --proxy-rule and --proxy-allow need --proxy HOST:PORT");
    }
    return null;
  }
  try {
    parseListen(listen);
  } catch (err) {
    throw new UsageError(`--proxy: ${(err as Error).message}`);
  }
  return {
    listen,
    registry: parseRegistry(registry ?? PROXY_DEFAULTS.registry, "--registry"),
    rules: (rules.length > 0 ? rules : PROXY_DEFAULTS.rules).map((text) => {
      try {
        return new RegExp(text);
      } catch {
        throw new UsageError(`--proxy-rule: "${text}" is not a valid regular expression`);
      }
    }),
    allow: allow.map((host) => {
      if (!/^[A-Za-z0-9.\-:\[\]]+$/.test(host)) {
        throw new UsageError(`--proxy-allow: "${host}" must be a host name or host:port`);
      }
      return host.toLowerCase();
    }),
  };
}

/**
 * A registry base URL (`https://host[:port]`) from `text`; a bare host gets
 * `https://`. Throws UsageError naming `what`.
 *
 * @example
 * ```ts
 * import { parseRegistry } from "./config.ts";
 * if (parseRegistry("docker.io", "--registry") !== "https://docker.io") throw new Error();
 * ```
 */
export function parseRegistry(text: string, what: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${what}: "${text}" is not a registry URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${what}: "${text}" must be an http(s) URL`);
  }
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw new UsageError(`${what}: "${text}" must be scheme://host[:port] only`);
  }
  return url.origin;
}
