/**
 * @module progress_format — the text of the progress bar and of the final
 * summary line. Pure functions of plain numbers.
 */
import { formatBytes } from "../util/units.ts";

/** What the bar shows at one moment. */
export interface ProgressView {
  bytes: number;
  /** Length of the file, when known. */
  total: number | null;
  /** Bytes per second. */
  rate: number;
  /** Bytes the agent got from peers / from the source; null when unknown (direct). */
  fromPeers: number | null;
  fromSource: number | null;
}

/** Widest bar drawn, and the narrowest worth drawing. */
const MAX_BAR = 30;
const MIN_BAR = 5;

/**
 * Seconds left as `45s`, `3m05s`, `2h07m`; `--` when unknown.
 *
 * @example
 * ```ts
 * import { formatEta } from "./progress_format.ts";
 * if (formatEta(185) !== "3m05s") throw new Error();
 * ```
 */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/** Seconds until `total` at `rate`, or null when either is unknown. */
export function eta(bytes: number, total: number | null, rate: number): number | null {
  if (total === null || rate <= 0) return null;
  return Math.max(0, total - bytes) / rate;
}

/** Percentage of `part` in `part + other`, rounded; null when both are 0. */
export function share(part: number, other: number): number | null {
  const sum = part + other;
  return sum > 0 ? Math.round(part * 100 / sum) : null;
}

/**
 * One line of the progress bar (no control characters), at most `columns - 1`
 * characters wide when it can be; the bar itself takes the room that is left.
 *
 * @example
 * ```ts
 * import { formatProgress } from "./progress_format.ts";
 * const line = formatProgress({ bytes: 512, total: 1024, rate: 256, fromPeers: 3, fromSource: 1 });
 * if (!line.startsWith(" 50% [") || !line.endsWith("peers 75%")) throw new Error(line);
 * ```
 */
export function formatProgress(view: ProgressView, columns = 80): string {
  const parts: string[] = [];
  const known = view.total !== null && view.total > 0;
  parts.push(
    known ? `${formatBytes(view.bytes)}/${formatBytes(view.total!)}` : formatBytes(view.bytes),
  );
  parts.push(`${formatBytes(Math.round(view.rate))}/s`);
  if (view.total !== null) parts.push(`ETA ${formatEta(eta(view.bytes, view.total, view.rate))}`);
  if (view.fromPeers !== null && view.fromSource !== null) {
    const peers = share(view.fromPeers, view.fromSource);
    if (peers !== null) parts.push(`peers ${peers}%`);
  }
  const rest = parts.join("  ");
  if (!known) return rest;
  const fraction = Math.min(1, view.bytes / view.total!);
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  // percent + " [" + bar + "]  " + rest must fit in columns - 1.
  const room = Math.min(MAX_BAR, columns - 1 - rest.length - percent.length - 5);
  if (room < MIN_BAR) return `${percent}  ${rest}`;
  const filled = Math.floor(fraction * room);
  return `${percent} [${"#".repeat(filled)}${"-".repeat(room - filled)}]  ${rest}`;
}

/** The outcome of one `dfly get` as the summary line needs it. */
export interface SummaryView {
  bytes: number;
  seconds: number;
  fromPeers: number;
  fromSource: number;
  via: "agent" | "direct";
  /** Absolute output path, or null for stdout. */
  output: string | null;
}

/**
 * The final line, e.g. `256.0 MiB in 2.41 s (106.2 MiB/s), 93% from peers →
 * /data/out.bin` (without the `dfly get: ` prefix).
 *
 * @example
 * ```ts
 * import { formatSummary } from "./progress_format.ts";
 * const line = formatSummary({
 *   bytes: 2048, seconds: 2, fromPeers: 0, fromSource: 2048, via: "direct", output: null,
 * });
 * if (line !== "2.0 KiB in 2.00 s (1.0 KiB/s), directly from the source → stdout") throw new Error(line);
 * ```
 */
export function formatSummary(view: SummaryView): string {
  const rate = view.bytes / Math.max(view.seconds, 0.001);
  const head = `${formatBytes(view.bytes)} in ${view.seconds.toFixed(2)} s (${
    formatBytes(Math.round(rate))
  }/s)`;
  let origin: string;
  if (view.via === "direct") {
    origin = "directly from the source";
  } else {
    const peers = share(view.fromPeers, view.fromSource);
    if (peers === null) origin = "from the agent's cache";
    else if (view.fromPeers === 0) origin = "all from the source";
    else if (view.fromSource === 0) origin = "all from peers";
    else origin = `${peers}% from peers`;
  }
  return `${head}, ${origin} → ${view.output ?? "stdout"}`;
}
