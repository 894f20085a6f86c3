/**
 * @module seed_guard — who may ask a seed to fetch a URL. With `--token` the
 * token already proves a member of the swarm. Without one, only the
 * configured tracker may: otherwise any host that reaches the seed could make
 * it fetch arbitrary URLs (and fill its cache) on its behalf.
 */
import { isLoopback } from "../util/http.ts";

/** Options of {@link seedAllowed}. */
export interface SeedAllowedOptions {
  /** The request's remote address (null when unknown). */
  remote: string | null;
  /** True when the agent runs with `--token` (the middleware checked it). */
  token: boolean;
  /** IP addresses of the configured tracker(s). */
  trackerAddrs: ReadonlySet<string>;
}

/**
 * True when a seed request from `remote` may be served. IPv4-mapped IPv6
 * forms are compared as IPv4; a tracker on loopback admits loopback callers.
 *
 * @example
 * ```ts
 * import { seedAllowed } from "./seed_guard.ts";
 * const trackerAddrs = new Set(["10.0.0.2"]);
 * if (!seedAllowed({ remote: "::ffff:10.0.0.2", token: false, trackerAddrs })) throw new Error();
 * if (seedAllowed({ remote: "10.0.0.9", token: false, trackerAddrs })) throw new Error();
 * if (!seedAllowed({ remote: "10.0.0.9", token: true, trackerAddrs })) throw new Error();
 * ```
 */
export function seedAllowed(options: SeedAllowedOptions): boolean {
  if (options.token) return true;
  if (options.remote === null) return false;
  const remote = options.remote.replace(/^::ffff:(?=\d+\.)/i, "").toLowerCase();
  if (options.trackerAddrs.has(remote)) return true;
  return isLoopback(remote) && [...options.trackerAddrs].some((a) => isLoopback(a));
}

/** True for an IPv4 or IPv6 literal (brackets removed). */
function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/**
 * The IP addresses of the trackers' host names: literals as they are, names
 * through DNS (A and AAAA); names that do not resolve add nothing.
 */
export async function resolveTrackerAddrs(urls: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const url of urls) {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (isIpLiteral(host)) {
      out.add(host);
      continue;
    }
    if (host === "localhost") {
      out.add("127.0.0.1").add("::1");
      continue;
    }
    for (const type of ["A", "AAAA"] as const) {
      try {
        for (const addr of await Deno.resolveDns(host, type)) out.add(addr.toLowerCase());
      } catch {
        // unresolvable now: that tracker cannot trigger this seed
      }
    }
  }
  return out;
}
