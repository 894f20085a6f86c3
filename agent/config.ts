/**
 * @module config — the agent's settings, their defaults, and how command-line
 * flags become them.
 */
import { UsageError } from "../cli.ts";
import type { FlagValues } from "../cli.ts";
import { parseListen } from "../util/http.ts";
import { parseDuration, parseRate, parseSize, parseWholeNumber } from "../util/units.ts";
import { isAddr } from "../wire.ts";
import type { DownloadConfig } from "./download.ts";
import { PROXY_OPTIONS, type ProxyConfig, proxyConfigFromFlags } from "../proxy/config.ts";
import { parseTrackerList } from "./tracker_pool.ts";
import { loadTlsFiles, readPem, type TlsFiles } from "../util/tls.ts";

/** Everything an agent is configured with. */
export interface AgentConfig {
  /** Tracker base URL, or several separated by commas (tasks spread by rendezvous hashing). */
  tracker: string;
  /** `host:port` the HTTP server binds. */
  listen: string;
  /** `host:port` other agents use to reach this one; derived from the listener when null. */
  advertise: string | null;
  /** Directory of the piece store. */
  dataDir: string;
  /** Seed agents go to the source first and are preferred as parents. */
  seed: boolean;
  /**
   * A seed holds back a piece it is sending or sent to one peer for this long
   * before it serves it again (each piece to the swarm once first); 0 serves
   * every request.
   */
  seedSpreadMs: number;
  /** Piece uploads served at once; more requests are told to come back (0: no bound). */
  uploadSlots: number;
  /** Host-wide download limit in bytes/s; 0 is unlimited. */
  downloadLimit: number;
  /** Host-wide upload limit in bytes/s; 0 is unlimited. */
  uploadLimit: number;
  /** Cache quota in bytes; 0 is none. */
  cacheSize: number;
  /** Finished tasks unread for this long are removed; 0 keeps them until the quota needs room. */
  cacheTtlMs: number;
  /** Location label; parents with the same label are preferred. */
  idc: string;
  /** Shared secret for every tracker and agent call. */
  token: string | null;
  /** Download engine tuning (tests and benchmarks). */
  download: Partial<DownloadConfig>;
  /** Registry mirror / HTTP proxy (`--proxy`); null runs none. */
  proxy: ProxyConfig | null;
  /** Serve HTTPS with this certificate and key; peers are then asked over HTTPS too. */
  tls: TlsFiles | null;
  /** CA file trusted for calls to the tracker and to peers (`--ca`). */
  ca: string | null;
}

/** Defaults of {@link AgentConfig}. */
export const AGENT_DEFAULTS: AgentConfig = {
  tracker: "http://127.0.0.1:8002",
  listen: "0.0.0.0:65002",
  advertise: null,
  dataDir: "./dfly-data/agent",
  seed: false,
  seedSpreadMs: 2000,
  uploadSlots: 4,
  downloadLimit: parseRate("100MiB"),
  uploadLimit: parseRate("100MiB"),
  cacheSize: parseSize("20GiB"),
  cacheTtlMs: 0,
  idc: "",
  token: null,
  download: {},
  proxy: null,
  tls: null,
  ca: null,
};

/** parseArgs option specs of `dfly agent`. */
export const AGENT_OPTIONS = {
  tracker: { type: "string" },
  listen: { type: "string" },
  advertise: { type: "string" },
  "data-dir": { type: "string" },
  seed: { type: "boolean" },
  "seed-spread": { type: "string" },
  "upload-slots": { type: "string" },
  "download-limit": { type: "string" },
  "upload-limit": { type: "string" },
  "cache-size": { type: "string" },
  "cache-ttl": { type: "string" },
  idc: { type: "string" },
  token: { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  ca: { type: "string" },
  ...PROXY_OPTIONS,
} as const;

/** Builds the config from parsed flags (and DFLY_TOKEN); throws UsageError on bad values. */
export function agentConfigFromFlags(values: FlagValues): AgentConfig {
  const str = (name: string) => values[name] as string | undefined;
  const wrap = <T>(flag: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new UsageError(`--${flag}: ${(err as Error).message}`);
    }
  };
  const tracker = str("tracker") ?? AGENT_DEFAULTS.tracker;
  wrap("tracker", () => parseTrackerList(tracker));
  const listen = str("listen") ?? AGENT_DEFAULTS.listen;
  wrap("listen", () => parseListen(listen));
  const advertise = str("advertise") ?? null;
  if (advertise !== null && !isAddr(advertise)) {
    throw new UsageError(`--advertise: "${advertise}" must be host:port`);
  }
  const idc = str("idc") ?? "";
  if (idc.length > 64) throw new UsageError("--idc: at most 64 characters");
  return {
    tracker,
    listen,
    advertise,
    dataDir: str("data-dir") ?? AGENT_DEFAULTS.dataDir,
    seed: Boolean(values.seed),
    seedSpreadMs: wrap("seed-spread", () => parseDuration(str("seed-spread") ?? "2s")),
    uploadSlots: wrap("upload-slots", () => parseWholeNumber(str("upload-slots") ?? "4", 10_000)),
    downloadLimit: wrap("download-limit", () => parseRate(str("download-limit") ?? "100MiB")),
    uploadLimit: wrap("upload-limit", () => parseRate(str("upload-limit") ?? "100MiB")),
    cacheSize: wrap("cache-size", () => parseSize(str("cache-size") ?? "20GiB")),
    cacheTtlMs: wrap("cache-ttl", () => parseDuration(str("cache-ttl") ?? "0s")),
    idc,
    token: str("token") ?? Deno.env.get("DFLY_TOKEN") ?? null,
    download: {},
    proxy: proxyConfigFromFlags(values),
    tls: loadTlsFiles(str("tls-cert"), str("tls-key")),
    ca: str("ca") === undefined ? null : (readPem("ca", str("ca")!), str("ca")!),
  };
}
