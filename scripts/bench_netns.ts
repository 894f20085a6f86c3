/**
 * @module bench_netns — the swarm benchmark on emulated hosts: plain HTTP
 * (nginx + curl), BitTorrent (opentracker + aria2c) and dfly move the same
 * random file to N client hosts at once, each host a network namespace with
 * htb-shaped links (scripts/testbed/netns.ts), all in one run. Prints a
 * Markdown table (time until the last client is done, median client, T_min
 * and the ratio, origin egress in copies, sha256 checks, CPU) and writes it
 * with an SVG chart to docs/. Needs root and Debian's iproute2, nginx,
 * opentracker, aria2, mktorrent, curl.
 *
 * ```sh
 * sudo deno run -A scripts/bench_netns.ts --n 4,8 --runs 3 --rate 100Mbit [--size 200MiB]
 *   [--origin-rate 100Mbit] [--methods http,bittorrent,dfly] [--cold-seed] [--timeline 2]
 *   [--timeout 600] [--max-minutes 60] [--doc docs/SWARM.md | --no-doc]
 * ```
 */
import { parseScriptArgs } from "./args.ts";
import { createHash } from "node:crypto";
import { Harness } from "../tests/_harness.ts";
import { parseRate, parseSize } from "../util/units.ts";
import type { BenchFile, MethodContext, MethodRun } from "./testbed/method.ts";
import { runBitTorrent } from "./testbed/method_bittorrent.ts";
import { runDfly } from "./testbed/method_dfly.ts";
import { runHttp } from "./testbed/method_http.ts";
import { run, Testbed } from "./testbed/netns.ts";
import { spliceSection } from "./testbed/render.ts";
import { summarize, summaryChart, summaryTable } from "./testbed/summary.ts";

const { values } = parseScriptArgs("bench_netns", {
  options: {
    n: { type: "string", default: "4,8" },
    runs: { type: "string", default: "3" },
    rate: { type: "string", default: "100Mbit" },
    "origin-rate": { type: "string" },
    size: { type: "string", default: "200MiB" },
    methods: { type: "string", default: "http,bittorrent,dfly" },
    "cold-seed": { type: "boolean", default: false },
    timeline: { type: "string" },
    "agent-arg": { type: "string", multiple: true, default: [] },
    timeout: { type: "string" },
    "max-minutes": { type: "string", default: "60" },
    doc: { type: "string", default: "docs/SWARM.md" },
    "no-doc": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: deno run -A scripts/bench_netns.ts [--n 4,8] [--runs 3] [--rate 100Mbit] [--size 200MiB]\n" +
      "  [--origin-rate R] [--methods http,bittorrent,dfly] [--cold-seed] [--agent-arg=--flag]...\n" +
      "  [--timeline SECONDS (print link busy shares per bucket)]\n" +
      "  [--timeout SECONDS] [--max-minutes 60] [--doc docs/SWARM.md | --no-doc]",
  );
  Deno.exit(0);
}

const ns = values.n!.split(",").map(Number);
const runs = Number(values.runs);
const rate = parseRate(values.rate!);
const originRate = parseRate(values["origin-rate"] ?? values.rate!);
const size = parseSize(values.size!);
const methods = values.methods!.split(",");
const timelineBucketS = values.timeline === undefined ? 0 : Number(values.timeline);
const known = ["http", "bittorrent", "dfly"];
if (
  ns.some((n) => !Number.isInteger(n) || n < 1 || n > 64) || !(runs >= 1) || rate <= 0 ||
  originRate <= 0 || size <= 0 || !(timelineBucketS >= 0) || methods.some((m) => !known.includes(m))
) {
  console.error(
    `bench_netns: bad arguments (N 1..64, runs ≥ 1, rates > 0, --timeline seconds ≥ 0, methods among ${
      known.join(",")
    })`,
  );
  Deno.exit(2);
}

// --- preconditions: root and the Debian programs -------------------------
if (Deno.uid() !== 0) {
  console.error("bench_netns: needs root (network namespaces, tc, a tmpfs mount)");
  Deno.exit(1);
}
const needs: Record<string, string> = {
  ip: "iproute2",
  tc: "iproute2",
  bash: "bash",
  curl: "curl",
  sha256sum: "coreutils",
  nginx: "nginx",
  opentracker: "opentracker",
  aria2c: "aria2",
  mktorrent: "mktorrent",
  mount: "mount",
};
const missing = new Set<string>();
for (const [program, pkg] of Object.entries(needs)) {
  const found = await run("bash", ["-c", `command -v ${program}`], true);
  if (found.code !== 0) missing.add(pkg);
}
if (missing.size > 0) {
  console.error(
    `bench_netns: missing programs; install with: apt-get install -y ${[...missing].join(" ")}`,
  );
  Deno.exit(1);
}

// --- scratch tmpfs and teardown on every exit path ------------------------
const work = `/tmp/dfly-netns-${Deno.pid}`;
const maxN = Math.max(...ns);
const tmpfsBytes = size * (2 * maxN + 4) + 512 * 2 ** 20;
let bed: Testbed | null = null;
let mounted = false;
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await bed?.destroy().catch((e) => console.error(`teardown: ${e}`));
    if (mounted) await run("umount", ["-l", work], true);
    await Deno.remove(work, { recursive: true }).catch(() => {});
  })();
  return cleaning;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(sig, () => {
    console.error(`bench_netns: ${sig}, tearing down`);
    cleanup().finally(() => Deno.exit(130));
  });
}
const maxMs = Number(values["max-minutes"]) * 60_000;
const overall = setTimeout(() => {
  console.error(`bench_netns: over --max-minutes ${values["max-minutes"]}, tearing down`);
  cleanup().finally(() => Deno.exit(1));
}, maxMs);

const clkTck = Number((await run("getconf", ["CLK_TCK"])).stdout.trim()) || 100;
const loadavg = async () =>
  (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
const startedAt = new Date();
const loadBefore = await loadavg();
const results: MethodRun[] = [];
const runLines: string[] = [];

/** Writes `size` random bytes to `path`, returning their sha256. */
async function writeRandomFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(1 << 20);
  for (let left = size; left > 0; left -= chunk.length) {
    for (let o = 0; o < chunk.length; o += 65536) {
      crypto.getRandomValues(chunk.subarray(o, o + 65536));
    }
    const part = left < chunk.length ? chunk.subarray(0, left) : chunk;
    hash.update(part);
    for (let w = 0; w < part.length;) w += await file.write(part.subarray(w));
  }
  return hash.digest("hex");
}

try {
  await Deno.mkdir(work, { recursive: true });
  await run("mount", ["-t", "tmpfs", "-o", `size=${tmpfsBytes}`, "tmpfs", work]);
  mounted = true;
  await Deno.mkdir(`${work}/origin`);
  const file: BenchFile = {
    dir: `${work}/origin`,
    name: "file.bin",
    size,
    sha256: await writeRandomFile(`${work}/origin/file.bin`),
  };
  console.error(
    `bench_netns: ${values.size} file, N ${ns.join(",")}, ${runs} runs, rate ${values.rate}, ` +
      `origin ${values["origin-rate"] ?? values.rate}, load ${loadBefore}`,
  );
  for (let r = 0; r < runs; r++) {
    for (const n of ns) {
      bed = await Testbed.create({ clients: n, rate, originRate });
      // Rotate the order so no method always runs first (warm caches, load drift).
      const order = methods.map((_, i) => methods[(i + r) % methods.length]);
      for (const method of order) {
        const h = new Harness();
        const timeoutMs = values.timeout
          ? Number(values.timeout) * 1000
          : Math.round((3 * n * size) / originRate * 1000 + 120_000);
        const ctx: MethodContext = {
          bed,
          clients: bed.clients,
          file,
          work: `${work}/run`,
          h,
          timeoutMs,
          clkTck,
          timelineBucketS: timelineBucketS || undefined,
        };
        await Deno.mkdir(ctx.work, { recursive: true });
        let result: MethodRun;
        try {
          result = method === "http"
            ? await runHttp(ctx)
            : method === "bittorrent"
            ? await runBitTorrent(ctx)
            : await runDfly(ctx, {
              prewarm: !values["cold-seed"],
              agentArgs: values["agent-arg"] as string[],
            });
        } catch (err) {
          result = {
            method: method === "dfly" && values["cold-seed"] ? "dfly (cold seed)" : method,
            n,
            clientSeconds: Array(n).fill(null),
            originBytes: NaN,
            verified: 0,
            cpuBusyPct: NaN,
            cpuSeconds: NaN,
            commandCpuSeconds: NaN,
            originCpuSeconds: NaN,
            notes: [],
            errors: [String(err instanceof Error ? err.message : err).split("\n")[0]],
          };
        } finally {
          await h[Symbol.asyncDispose]();
          await bed.killAll();
          await Deno.remove(ctx.work, { recursive: true }).catch(() => {});
        }
        results.push(result);
        const done = result.clientSeconds.filter((s): s is number => s !== null);
        const line =
          `run ${r + 1} N=${n} ${result.method}: last ${
            done.length ? Math.max(...done).toFixed(1) : "—"
          } s, ${done.length}/${n} done, ${result.verified} verified, origin ${
            (result.originBytes / size).toFixed(2)
          } copies, CPU ${result.cpuSeconds.toFixed(1)} s (origin host ${
            result.originCpuSeconds.toFixed(1)
          } s, client commands ${result.commandCpuSeconds.toFixed(1)} s), busy ${
            result.cpuBusyPct.toFixed(0)
          }%` +
          (result.notes.length ? `; ${result.notes.join("; ")}` : "") +
          (result.errors.length ? `; errors: ${result.errors.join(" | ")}` : "");
        console.error(line);
        for (const t of result.timeline ?? []) console.error(`  ${t}`);
        runLines.push(line);
      }
      await bed.destroy();
      bed = null;
    }
    await report(false);
  }
} finally {
  await cleanup();
  clearTimeout(overall);
}

/**
 * Prints the summary of the runs so far and (unless --no-doc) writes it to
 * the doc and the chart; called after every run, so a run cut short by
 * --max-minutes still leaves what was measured.
 */
async function report(final: boolean): Promise<void> {
  const rows = summarize(results, { rate, originRate, fileBytes: size });
  const table = summaryTable(rows);
  const loadAfter = await loadavg();
  if (final) {
    console.log(table);
    for (const row of rows) {
      if (row.errors.length) console.log(`${row.method} N=${row.n}: ${row.errors.join(" | ")}`);
    }
  }
  if (values["no-doc"] || results.length === 0) return;
  const tag = values.rate!.replace(/[^0-9A-Za-z]/g, "");
  const chartName = `swarm-${tag}.svg`;
  const docPath = values.doc!;
  const docDir = docPath.replace(/\/[^/]+$/, "");
  await Deno.writeTextFile(
    `${docDir}/${chartName}`,
    summaryChart(rows, `${values.size} to N hosts, ${values.rate} up/down per host`),
  );
  const shown = Deno.args.filter((a, i, all) =>
    !a.startsWith("--doc") && !(all[i - 1] === "--doc")
  );
  const command = `deno run -A scripts/bench_netns.ts ${shown.join(" ")}`.trim();
  const section = [
    `### ${values.size} at ${values.rate} per host (origin ${
      values["origin-rate"] ?? values.rate
    })`,
    "",
    "```sh",
    command,
    "```",
    "",
    `Measured ${
      startedAt.toISOString().slice(0, 16).replace("T", " ")
    } UTC; load average before ${loadBefore}, after ${loadAfter}; ` +
    `dfly seed ${
      values["cold-seed"]
        ? "cold (triggered by the first request)"
        : "pre-warmed from the origin before the window"
    }.`,
    "",
    table,
    `![time until the last client is done vs N](${chartName})`,
    "",
    "<details><summary>every run</summary>",
    "",
    ...runLines.map((l) => `- ${l}`),
    "",
    "</details>",
    "",
    ...rows.filter((r) => r.errors.length).map((r) =>
      `- ${r.method} N=${r.n} errors: ${r.errors.slice(0, 3).join("; ")}`
    ),
  ].join("\n");
  const existing = await Deno.readTextFile(docPath).catch(() =>
    "# Swarm benchmark on emulated hosts\n"
  );
  await Deno.writeTextFile(docPath, spliceSection(existing, `bench_netns ${tag}`, section));
  console.error(`bench_netns: wrote ${docPath} and ${docDir}/${chartName}`);
}

await report(true);
Deno.exit(0);
