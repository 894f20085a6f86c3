/**
 * @module cache_table — how `dfly cache ls` prints a listing: one aligned
 * row per task, most recently used first, then usage against quota. Pure.
 */
import { formatBytes } from "../util/units.ts";
import type { CacheListing } from "../wire_ops.ts";

/** Formats a duration in ms as `45s`, `12m`, `5h`, `3d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/**
 * The table `dfly cache ls` prints.
 *
 * @example
 * ```ts
 * import { formatCacheTable } from "./cache_table.ts";
 * const text = formatCacheTable({ usage: 0, quota: 0, ttlMs: 0, tasks: [] }, 0);
 * if (!text.includes("0 tasks")) throw new Error(text);
 * ```
 */
export function formatCacheTable(listing: CacheListing, now: number): string {
  const rows = listing.tasks.map((t) => [
    t.id.slice(0, 12),
    formatBytes(t.length),
    t.complete ? "complete" : `${t.pieces}/${t.pieceCount}`,
    t.inUse ? "yes" : "",
    formatAge(now - t.lastAccess),
    t.name !== null ? `name:${t.name}` : t.tag ? `${t.url} (tag ${t.tag})` : t.url,
  ]);
  const header = ["TASK", "SIZE", "PIECES", "IN USE", "UNUSED", "NAME / URL"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join("  ").trimEnd();
  const quota = listing.quota > 0 ? ` of ${formatBytes(listing.quota)} quota` : " (no quota)";
  const ttl = listing.ttlMs > 0 ? `, ttl ${formatAge(listing.ttlMs)}` : ", no ttl";
  return [
    line(header),
    ...rows.map(line),
    `${listing.tasks.length} tasks, ${formatBytes(listing.usage)}${quota}${ttl}`,
  ].join("\n");
}
