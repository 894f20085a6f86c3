/**
 * @module table — aligned plain-text tables for operator commands: one header
 * row, columns padded with spaces, numbers right-aligned. No colours and no
 * control characters, so output reads the same in a terminal, a pipe or a log.
 */

/** One column: its header and whether values hug the right edge. */
export interface Column {
  header: string;
  right?: boolean;
}

/**
 * Renders `rows` under `columns`, two spaces between columns, no trailing spaces.
 *
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * const text = formatTable([{ header: "ID" }, { header: "SIZE", right: true }], [["ab", "1 B"]]);
 * if (text !== "ID  SIZE\nab   1 B\n") throw new Error(JSON.stringify(text));
 * ```
 */
export function formatTable(columns: readonly Column[], rows: readonly string[][]): string {
  // deno-lint-ignore no-control-regex -- control characters are exactly what must go
  const clean = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, " ");
  const cells = [columns.map((c) => c.header), ...rows.map((r) => r.map(clean))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((row) =>
    columns.map((c, i) => {
      const value = row[i] ?? "";
      return c.right ? value.padStart(widths[i]) : value.padEnd(widths[i]);
    }).join("  ").trimEnd() + "\n"
  ).join("");
}

/** `0.537` → `53.7%`. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A byte rate for people: `12.0 MiB/s`, `0 B/s`. */
export function formatRate(bytesPerSecond: number, formatBytes: (n: number) => string): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}
