import assert from "node:assert/strict";
import type { MethodRun } from "./method.ts";
import { summarize, summaryChart, summaryTable } from "./summary.ts";

const MiB = 2 ** 20;
const rates = { rate: 100e6 / 8, originRate: 100e6 / 8, fileBytes: 100 * MiB };

function run(method: string, clientSeconds: (number | null)[], originCopies: number): MethodRun {
  return {
    method,
    n: clientSeconds.length,
    clientSeconds,
    originBytes: originCopies * rates.fileBytes,
    verified: clientSeconds.filter((s) => s !== null).length,
    cpuBusyPct: 50,
    cpuSeconds: 4,
    commandCpuSeconds: 1,
    originCpuSeconds: 1,
    errors: [],
    notes: [],
  };
}

Deno.test("summarize() takes medians over runs of the last and the median client", () => {
  const rows = summarize([
    run("dfly", [10, 12], 1.0),
    run("dfly", [11, 20], 1.2),
    run("dfly", [9, 14], 1.1),
    run("http", [16, 17], 2.1),
  ], rates);
  const dfly = rows.find((r) => r.method === "dfly")!;
  assert.equal(dfly.runs, 3);
  assert.equal(dfly.lastSeconds, 14); // max per run: 12, 20, 14
  assert.equal(dfly.medianSeconds, 11.5); // medians: 11, 15.5, 11.5
  assert.equal(dfly.originCopies, 1.1);
  assert.equal(dfly.verified, 6);
  // 100 MiB at 100 Mbit/s, N=2: T_min = F/u_s.
  assert.ok(Math.abs(dfly.tMinSeconds - (100 * MiB) / (100e6 / 8)) < 1e-9);
  // 4 CPU-s for 2 × 100 MiB.
  assert.ok(Math.abs(dfly.cpuPerGiB - 4 / (200 / 1024)) < 1e-9);
});

Deno.test("summarize() reports no last time when a client of any run failed", () => {
  const [row] = summarize(
    [run("bittorrent", [10, null], 1.3), run("bittorrent", [10, 11], 1.3)],
    rates,
  );
  assert.ok(Number.isNaN(row.lastSeconds));
  assert.equal(row.verified, 3);
  assert.match(summaryTable([row]), /\| +— \|/);
});

Deno.test("summaryTable() and summaryChart() show every method and the bound", () => {
  const rows = summarize([run("dfly", [10, 12], 1), run("http", [16, 33], 2)], rates);
  const table = summaryTable(rows);
  assert.match(table, /\| dfly +\| +2 \|/);
  assert.match(table, /1\.43×/); // 12 / 8.39
  const svg = summaryChart(rows, "t");
  for (const name of ["dfly", "http", "T_min"]) assert.ok(svg.includes(`>${name}</text>`), name);
});
