/**
 * @module summary — folds the runs of the netns swarm benchmark into one row
 * per method and N (medians over runs), with T_min and each time as a
 * multiple of it, and renders the rows as a table and a chart. Pure.
 */
import type { MethodRun } from "./method.ts";
import { type ChartSeries, lineChartSvg, markdownTable } from "./render.ts";
import { median, tMin } from "./swarm_math.ts";

/** One row of the summary table. */
export interface SummaryRow {
  method: string;
  n: number;
  runs: number;
  /** Median over runs of the time until the last client finished (NaN if any run failed). */
  lastSeconds: number;
  /** Median over runs of the median client time. */
  medianSeconds: number;
  tMinSeconds: number;
  /** Median over runs of the origin host's wire bytes, in copies of the file. */
  originCopies: number;
  verified: number;
  copies: number;
  cpuBusyPct: number;
  /** CPU seconds of all emulated hosts' processes per GiB delivered to clients. */
  cpuPerGiB: number;
  errors: string[];
}

/** Rates of a run in bytes/s. */
export interface SummaryRates {
  rate: number;
  originRate: number;
  fileBytes: number;
}

/** Groups runs by method and N and takes medians. */
export function summarize(runs: readonly MethodRun[], rates: SummaryRates): SummaryRow[] {
  const groups = new Map<string, MethodRun[]>();
  for (const r of runs) {
    const key = `${r.method}\u0000${r.n}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows: SummaryRow[] = [];
  for (const group of groups.values()) {
    const { method, n } = group[0];
    const complete = (r: MethodRun) => r.clientSeconds.every((s) => s !== null);
    const times = (r: MethodRun) => r.clientSeconds.filter((s): s is number => s !== null);
    const delivered = (n * rates.fileBytes) / 2 ** 30;
    rows.push({
      method,
      n,
      runs: group.length,
      lastSeconds: group.every(complete) ? median(group.map((r) => Math.max(...times(r)))) : NaN,
      medianSeconds: median(group.map((r) => median(times(r)))),
      tMinSeconds: tMin({
        fileBytes: rates.fileBytes,
        originUp: rates.originRate,
        clientDown: Array(n).fill(rates.rate),
        clientUp: Array(n).fill(rates.rate),
      }),
      originCopies: median(group.map((r) => r.originBytes / rates.fileBytes)),
      verified: group.reduce((s, r) => s + r.verified, 0),
      copies: group.reduce((s, r) => s + r.n, 0),
      cpuBusyPct: median(group.map((r) => r.cpuBusyPct)),
      cpuPerGiB: median(group.map((r) => r.cpuSeconds / delivered)),
      errors: group.flatMap((r) => r.errors),
    });
  }
  return rows.sort((a, b) => a.n - b.n || a.method.localeCompare(b.method));
}

const num = (x: number, digits = 1) => Number.isFinite(x) ? x.toFixed(digits) : "—";

/** The summary as a Markdown table. */
export function summaryTable(rows: readonly SummaryRow[]): string {
  return markdownTable(
    [
      "method",
      "N",
      "runs",
      "last done (s)",
      "median client (s)",
      "T_min (s)",
      "last / T_min",
      "origin egress (copies)",
      "sha256 ok",
      "CPU busy %",
      "CPU-s per GiB",
    ],
    rows.map((r) => [
      r.method,
      String(r.n),
      String(r.runs),
      num(r.lastSeconds),
      num(r.medianSeconds),
      num(r.tMinSeconds),
      `${num(r.lastSeconds / r.tMinSeconds, 2)}×`,
      num(r.originCopies, 2),
      `${r.verified}/${r.copies}`,
      num(r.cpuBusyPct, 0),
      num(r.cpuPerGiB, 2),
    ]),
    [
      "left",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
    ],
  );
}

const COLORS: Record<string, string> = {
  http: "#d62728",
  bittorrent: "#1f77b4",
  dfly: "#2ca02c",
  "dfly (cold seed)": "#98df8a",
};

/** Time until the last client finished vs N, one line per method, plus T_min dashed. */
export function summaryChart(rows: readonly SummaryRow[], title: string): string {
  const methods = [...new Set(rows.map((r) => r.method))];
  const series: ChartSeries[] = methods.map((m) => ({
    name: m,
    color: COLORS[m] ?? "#9467bd",
    points: rows.filter((r) => r.method === m).map((r) => ({ x: r.n, y: r.lastSeconds })),
  }));
  const bound = new Map(rows.map((r) => [r.n, r.tMinSeconds]));
  series.push({
    name: "T_min",
    color: "#555",
    dashed: true,
    points: [...bound].map(([x, y]) => ({ x, y })),
  });
  return lineChartSvg({
    title,
    xLabel: "clients (N)",
    yLabel: "seconds until the last client is done",
    series,
  });
}
