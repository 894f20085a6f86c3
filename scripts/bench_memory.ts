/**
 * @module bench_memory — agent memory on a large file: the RSS (VmRSS from
 * /proc) of a seed agent while it downloads the file from the origin, then
 * of a second agent while it downloads it from the seed, and of the seed
 * while it serves it. Sampled every 100 ms; prints idle, median and peak
 * per role and phase against the 150 MB target. Rates are unlimited (the
 * fastest path keeps the most bytes in flight).
 *
 * ```sh
 * TMPDIR=/var/tmp deno run -A scripts/bench_memory.ts [--size 2GiB] [--doc docs/SWARM.md | --no-doc]
 * ```
 *
 * Needs about 3 × size free under TMPDIR (origin file, seed store, agent
 * store); it checks before starting.
 */
import { parseScriptArgs } from "./args.ts";
import { Harness, type Proc } from "../tests/_harness.ts";
import { getVia, sha256File, startAgent, startTracker } from "../tests/_swarm.ts";
import { parseSize } from "../util/units.ts";
import { markdownTable, spliceSection } from "./testbed/render.ts";
import { parseRssBytes } from "./testbed/proc_counters.ts";
import { median } from "./testbed/swarm_math.ts";

const { values } = parseScriptArgs("bench_memory", {
  options: {
    size: { type: "string", default: "2GiB" },
    doc: { type: "string", default: "docs/SWARM.md" },
    "no-doc": { type: "boolean", default: false },
  },
});
const size = parseSize(values.size!);
const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
const TARGET = 150e6;

const df = await new Deno.Command("df", { args: ["-B1", "--output=avail", tmp] }).output();
const avail = Number(new TextDecoder().decode(df.stdout).trim().split("\n").at(-1));
if (!(avail > 3.2 * size)) {
  console.error(
    `bench_memory: ${tmp} has ${(avail / 2 ** 30).toFixed(1)} GiB free; needs ${
      (3.2 * size / 2 ** 30).toFixed(1)
    } GiB (set TMPDIR to a roomier place or pass a smaller --size)`,
  );
  Deno.exit(1);
}

async function rss(proc: Proc): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${proc.child.pid}/status`).catch(() => "");
  return parseRssBytes(text) ?? NaN;
}

/** Samples the RSS of `procs` every 100 ms while `work` runs. */
async function sampled<T>(
  procs: Proc[],
  work: () => Promise<T>,
): Promise<{ result: T; samples: number[][]; seconds: number }> {
  const samples: number[][] = procs.map(() => []);
  let running = true;
  const sampler = (async () => {
    while (running) {
      const now = await Promise.all(procs.map(rss));
      now.forEach((v, i) => Number.isFinite(v) && samples[i].push(v));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const t0 = performance.now();
  try {
    const result = await work();
    return { result, samples, seconds: (performance.now() - t0) / 1000 };
  } finally {
    running = false;
    await sampler;
  }
}

await using h = new Harness();
console.error(`bench_memory: generating ${values.size} under ${tmp} …`);
// Generating and hashing a 2 GiB file takes longer than startOrigin() waits.
const originDir = await h.tempDir("dfly-mem-origin-");
const originProc = await h.spawn(
  "origin",
  ["scripts/origin.ts", "--size", values.size!, "--dir", originDir],
  { timeoutMs: 900_000 },
);
const m = /origin file url=(\S+) path=\S+ size=\d+ sha256=([0-9a-f]{64})/.exec(originProc.stderr());
if (!m) throw new Error(`origin did not say what it serves:\n${originProc.stderr()}`);
const origin = { fileUrl: m[1], sha256: m[2] };
const tracker = await startTracker(h);
const seed = await startAgent(h, "seed", tracker.url, "--seed");
const agent = await startAgent(h, "agent", tracker.url);
await new Promise((r) => setTimeout(r, 2000));
const idle = { seed: await rss(seed), agent: await rss(agent) };
const out = await h.tempDir("dfly-mem-out-");

console.error("bench_memory: seed downloads from the origin …");
const phase1 = await sampled([seed], () => getVia(h, seed.url, origin.fileUrl, `${out}/seed.bin`));
await Deno.remove(`${out}/seed.bin`);
console.error("bench_memory: agent downloads from the seed …");
const phase2 = await sampled(
  [agent, seed],
  () => getVia(h, agent.url, origin.fileUrl, `${out}/agent.bin`),
);
const ok = (await sha256File(`${out}/agent.bin`)) === origin.sha256;

const mb = (b: number) => (b / 1e6).toFixed(0);
const rows = [
  ["seed", "downloading from the origin", idle.seed, phase1.samples[0], phase1.seconds],
  ["agent", "downloading from the seed", idle.agent, phase2.samples[0], phase2.seconds],
  ["seed", "serving the agent", idle.seed, phase2.samples[1], phase2.seconds],
] as const;
const table = markdownTable(
  [
    "agent",
    "while",
    "idle RSS (MB)",
    "median RSS (MB)",
    "peak RSS (MB)",
    "samples",
    "seconds",
    "MB/s",
    "≤ 150 MB",
  ],
  rows.map(([role, phase, idleRss, s, secs]) => [
    role,
    phase,
    mb(idleRss),
    mb(median(s)),
    mb(Math.max(...s)),
    String(s.length),
    secs.toFixed(1),
    (size / 1e6 / secs).toFixed(0),
    Math.max(...s) <= TARGET ? "yes" : "no",
  ]),
  ["left", "left", "right", "right", "right", "right", "right", "right", "left"],
);
console.log(table);
console.log(`${values.size}, copy verified by sha256: ${ok ? "yes" : "NO"}`);
if (!ok) Deno.exitCode = 1;

if (!values["no-doc"] && ok) {
  const shown = Deno.args.filter((a, i, all) => !a.startsWith("--doc") && all[i - 1] !== "--doc");
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  const section = [
    "```sh",
    `TMPDIR=${tmp} deno run -A scripts/bench_memory.ts ${shown.join(" ")}`.trim(),
    "```",
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with ${values.size}` +
    ` (copy verified by sha256), load average at the end ${load}; target: at most 150 MB.`,
    "",
    table,
  ].join("\n");
  const doc = await Deno.readTextFile(values.doc!).catch(() => "");
  await Deno.writeTextFile(values.doc!, spliceSection(doc, "bench_memory", section));
  console.error(`bench_memory: wrote ${values.doc}`);
}
