/**
 * @module config — the tracker's settings, their defaults, and how
 * command-line flags become them.
 */
import { type FlagValues, UsageError } from "../cli.ts";
import { parseListen } from "../util/http.ts";
import { type LogLevel, parseLogLevel } from "../util/log.ts";
import { loadTlsFiles, readPem, type TlsFiles } from "../util/tls.ts";
import { parseDuration, parseWholeNumber } from "../util/units.ts";

/** Everything a tracker is configured with. */
export interface TrackerConfig {
  /** `host:port` the HTTP server binds. */
  listen: string;
  /** libsql URL: `file:…` (embedded), `libsql://…` or `http(s)://…` (server). */
  db: string;
  /** Shared secret every call but /healthz must carry; null for none. */
  token: string | null;
  /** A host not heard from for this long is dropped from every task. */
  peerTtlMs: number;
  /** Most concurrent back-to-source peers per task when no seed fetches it. */
  sourcePeers: number;
  /** How long a triggered seed has to announce before a peer goes to the source. */
  seedGraceMs: number;
  logLevel: LogLevel;
  /** Write-behind interval of the in-memory state. */
  flushMs: number;
  /** How often expired hosts are swept. */
  sweepMs: number;
  /** Serve HTTPS with this certificate and key (`--tls-cert`, `--tls-key`). */
  tls: TlsFiles | null;
  /** CA file trusted for calls to seeds (`--ca`); null uses the system roots. */
  ca: string | null;
}

/** Defaults of {@link TrackerConfig}. */
export const TRACKER_DEFAULTS: TrackerConfig = {
  listen: "0.0.0.0:8002",
  db: "file:./dfly-data/tracker.db",
  token: null,
  peerTtlMs: 10_000,
  sourcePeers: 1,
  seedGraceMs: 3000,
  logLevel: "info",
  flushMs: 200,
  sweepMs: 1000,
  tls: null,
  ca: null,
};

/** Fills in the defaults of a partial config. */
export function withDefaults(partial: Partial<TrackerConfig> = {}): TrackerConfig {
  return { ...TRACKER_DEFAULTS, ...partial };
}

/** parseArgs option specs of `dfly tracker`. */
export const TRACKER_OPTIONS = {
  listen: { type: "string" },
  db: { type: "string" },
  token: { type: "string" },
  "peer-ttl": { type: "string" },
  "source-peers": { type: "string" },
  "seed-grace": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  ca: { type: "string" },
} as const;

/** Builds the config from parsed flags and `DFLY_TOKEN`; throws UsageError on bad values. */
export function trackerConfigFromFlags(
  values: FlagValues,
  envToken: string | undefined = undefined,
): TrackerConfig {
  const str = (name: string) => values[name] as string | undefined;
  const flag = <T>(name: string, fallback: T, parse: (text: string) => T): T => {
    const text = str(name);
    if (text === undefined) return fallback;
    try {
      return parse(text);
    } catch (err) {
      throw new UsageError(`--${name}: ${(err as Error).message}`);
    }
  };
  const d = TRACKER_DEFAULTS;
  return withDefaults({
    listen: flag("listen", d.listen, (t) => (parseListen(t), t)),
    db: flag("db", d.db, (t) => {
      if (!isDbUrl(t)) {
        throw new RangeError(`use file:PATH, libsql://HOST or http://HOST, not "${t}"`);
      }
      return t;
    }),
    token: str("token") || envToken || null,
    peerTtlMs: flag("peer-ttl", d.peerTtlMs, (t) => positive(parseDuration(t), t)),
    sourcePeers: flag("source-peers", d.sourcePeers, (t) => parseWholeNumber(t, 1000)),
    seedGraceMs: flag("seed-grace", d.seedGraceMs, parseDuration),
    logLevel: flag("log-level", d.logLevel, parseLogLevel),
    tls: loadTlsFiles(str("tls-cert"), str("tls-key")),
    ca: str("ca") === undefined ? null : (readPem("ca", str("ca")!), str("ca")!),
  });
}

/** True for the URL schemes `--db` accepts. */
export function isDbUrl(url: string): boolean {
  return /^(file|libsql|https?|wss?):/.test(url);
}

function positive(ms: number, text: string): number {
  if (ms <= 0) throw new RangeError(`must be longer than zero, not "${text}"`);
  return ms;
}
