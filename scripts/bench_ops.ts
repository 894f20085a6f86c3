/**
 * @module bench_ops — numbers for the operator paths of issue 7 on
 * loopback: start-up to listening of a tracker from source vs from the
 * bundle (`deno task bundle`); a burst of `dfly get`s started at once for a
 * file the agent already holds, from source vs from the bundle (wall time
 * until all are done, CPU per command: what each `dfly get` costs before
 * any byte moves); and `dfly import` / `dfly export` throughput of one file
 * between two agents, against `cp` of the same file. Prints a table of
 * medians.
 *
 * ```sh
 * deno run -A scripts/bench_ops.ts [--size 256MiB] [--runs 3] [--burst 16]
 * ```
 */
import { parseScriptArgs } from "./args.ts";
import { Harness, MAIN } from "../tests/_harness.ts";
import { startAgent, startOrigin, startTracker } from "../tests/_swarm.ts";
import { bashTimedArgs, parseBashTimes } from "./testbed/proc_counters.ts";
import { parseSize } from "../util/units.ts";
import { buildBundle } from "./bundle.ts";

const { values } = parseScriptArgs("bench_ops", {
  options: {
    size: { type: "string", default: "256MiB" },
    runs: { type: "string", default: "3" },
    burst: { type: "string", default: "16" },
  },
});
const size = parseSize(values.size!);
const runs = Number(values.runs);
const burst = Number(values.burst);
if (!(runs >= 1) || !Number.isInteger(burst) || burst < 1) {
  console.error("bench_ops: bad arguments (--runs ≥ 1, --burst a whole number ≥ 1)");
  Deno.exit(2);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

await using h = new Harness();
const dir = await h.tempDir("dfly-bench-ops-");
const dist = `${dir}/dist`;
await buildBundle(dist);

const startSource: number[] = [];
const startBundle: number[] = [];
for (let i = 0; i < runs; i++) {
  const args = ["tracker", "--listen", "127.0.0.1:0", "--db", `file:${dir}/t${i}.db`];
  startSource.push(await timed(async () => (await h.spawn(`src${i}`, args)).kill()));
  startBundle.push(
    await timed(async () =>
      (await h.spawnCommand(`bundle${i}`, Deno.execPath(), [
        "run",
        "-A",
        "--no-config",
        `${dist}/dfly.js`,
        ...args.slice(0, 4),
        `file:${dir}/b${i}.db`,
      ], { cwd: dir })).kill()
    ),
  );
}

/**
 * Starts `burst` commands at once, each under bash's `times`; resolves to the
 * wall time until all exited and their CPU seconds (user + system) each.
 */
async function runBurst(
  command: (i: number) => string[],
): Promise<{ seconds: number; cpu: number[] }> {
  const t0 = performance.now();
  const outs = await Promise.all(
    Array.from({ length: burst }, (_, i) =>
      new Deno.Command("bash", {
        args: bashTimedArgs(command(i)),
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output()),
  );
  const seconds = (performance.now() - t0) / 1000;
  const text = (o: Deno.CommandOutput) => new TextDecoder().decode(o.stderr);
  const failed = outs.find((o) => o.code !== 0);
  if (failed) throw new Error(`dfly get failed: ${text(failed).slice(0, 300)}`);
  return { seconds, cpu: outs.map((o) => parseBashTimes(text(o))) };
}

const getSeconds = { source: [] as number[], bundle: [] as number[] };
const getCpu = { source: [] as number[], bundle: [] as number[] };
{
  const origin = await startOrigin(h, "1MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "get-agent", tracker.url);
  const getArgs = (i: number) => [
    "get",
    origin.fileUrl,
    "-o",
    `${dir}/get${i}.bin`,
    "--agent",
    agent.url,
    "--no-progress",
  ];
  const deno = Deno.execPath();
  const variants = {
    source: (i: number) => [deno, "run", "-A", MAIN, ...getArgs(i)],
    bundle: (i: number) => [deno, "run", "-A", "--no-config", `${dist}/dfly.js`, ...getArgs(i)],
  };
  await runBurst((i) => variants.source(i)); // the agent now holds the file
  for (let i = 0; i < runs; i++) {
    for (const name of ["source", "bundle"] as const) {
      const r = await runBurst(variants[name]);
      getSeconds[name].push(r.seconds);
      getCpu[name].push(...r.cpu);
    }
  }
  await agent.kill();
  await tracker.kill();
}

const file = `${dir}/payload.bin`;
{
  const f = await Deno.open(file, { write: true, create: true });
  const chunk = new Uint8Array(1 << 20);
  for (let at = 0; at < size; at += chunk.length) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    await f.write(chunk.subarray(0, Math.min(chunk.length, size - at)));
  }
  f.close();
}
const tracker = await startTracker(h);
const imports: number[] = [];
const exports: number[] = [];
const copies: number[] = [];
for (let i = 0; i < runs; i++) {
  const a = await startAgent(h, `a${i}`, tracker.url);
  const b = await startAgent(h, `b${i}`, tracker.url);
  imports.push(
    await timed(async () => {
      const r = await h.run("import", ["import", file, "--name", `bench/${i}`, "--agent", a.url]);
      if (r.code !== 0) throw new Error(r.stderr);
    }),
  );
  exports.push(
    await timed(async () => {
      const r = await h.run("export", [
        "export",
        `bench/${i}`,
        "-o",
        `${dir}/out${i}.bin`,
        "--no-progress",
        "--agent",
        b.url,
      ]);
      if (r.code !== 0) throw new Error(r.stderr);
    }),
  );
  copies.push(await timed(() => Deno.copyFile(file, `${dir}/cp${i}.bin`)));
  await Deno.remove(`${dir}/out${i}.bin`);
  await Deno.remove(`${dir}/cp${i}.bin`);
  await a.kill();
  await b.kill();
}

const mb = size / 1e6;
console.log(`| what (${values.size}, median of ${runs}) | seconds | MB/s |`);
console.log("| --- | ---: | ---: |");
console.log(`| tracker start to listening, from source | ${median(startSource).toFixed(2)} | |`);
console.log(
  `| tracker start to listening, from dist/dfly.js | ${median(startBundle).toFixed(2)} | |`,
);
for (
  const [name, xs] of [["dfly import (agent A)", imports], [
    "dfly export (agent B, from A)",
    exports,
  ], ["cp of the same file", copies]] as const
) {
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${(mb / median(xs)).toFixed(0)} |`);
}

console.log(
  `\n| ${burst} × \`dfly get\` at once, a 1 MiB file the agent holds (median of ${runs}) | until all done (s) | CPU-s per get |`,
);
console.log("| --- | ---: | ---: |");
for (const name of ["source", "bundle"] as const) {
  console.log(
    `| from ${name === "source" ? "source (\`deno run -A main.ts\`)" : "dist/dfly.js"} | ${
      median(getSeconds[name]).toFixed(2)
    } | ${median(getCpu[name]).toFixed(3)} |`,
  );
}
