/**
 * @module bench_single — benchmark (a): one agent pulling a file from one
 * peer on loopback, against curl pulling the same file from the origin (and
 * from nginx when it is installed). Prints a table of medians.
 *
 * ```sh
 * deno run -A scripts/bench_single.ts [--size 1GiB] [--runs 3]
 * ```
 */
import { parseScriptArgs } from "./args.ts";
import { Harness } from "../tests/_harness.ts";
import { getVia, startAgent, startOrigin, startTracker } from "../tests/_swarm.ts";
import { parseSize } from "../util/units.ts";
import { parsePidStatTicks } from "./testbed/proc_counters.ts";

const { values } = parseScriptArgs("bench_single", {
  options: { size: { type: "string", default: "1GiB" }, runs: { type: "string", default: "3" } },
});
const size = parseSize(values.size!);
const runs = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** CPU seconds (user + system) process `pid` has used so far (Linux clock ticks of 10 ms). */
async function cpuSeconds(pid: number): Promise<number> {
  return parsePidStatTicks(await Deno.readTextFile(`/proc/${pid}/stat`)) / 100;
}

async function curl(url: string, out: string): Promise<number> {
  const t0 = performance.now();
  const res = await new Deno.Command("curl", { args: ["-sf", "-o", out, url] }).output();
  if (!res.success) throw new Error(`curl ${url} failed`);
  const s = (performance.now() - t0) / 1000;
  await Deno.remove(out);
  return s;
}

await using h = new Harness();
const origin = await startOrigin(h, values.size!);
const tracker = await startTracker(h);
const seed = await startAgent(h, "seed", tracker.url, "--seed");
const out = await h.tempDir("dfly-bench-");
// The seed holds the whole file before the measured runs.
await getVia(h, seed.url, origin.fileUrl, `${out}/seed.bin`);
await Deno.remove(`${out}/seed.bin`);

let nginxUrl: string | null = null;
const nginx = await new Deno.Command("sh", { args: ["-c", "command -v nginx"] }).output();
if (nginx.success) {
  const dir = await h.tempDir("dfly-nginx-");
  await Deno.chmod(dir, 0o755);
  const originFile = /origin file url=\S+ path=(\S+)/.exec(origin.proc.stderr())![1];
  await Deno.copyFile(originFile, `${dir}/file.bin`);
  const port = 18000 + Math.floor(Math.random() * 1000);
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {}
http { access_log off; sendfile on; server { listen 127.0.0.1:${port}; root ${dir}; } }`,
  );
  const ngx = new Deno.Command("nginx", {
    args: ["-c", `${dir}/nginx.conf`, "-p", dir],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  h.defer(() => ngx.kill("SIGKILL"));
  await new Promise((r) => setTimeout(r, 500));
  nginxUrl = `http://127.0.0.1:${port}/file.bin`;
}

/** CPU seconds of the serving seed and of the downloading agent during each `dfly get`. */
const seedCpu: number[] = [];
const agentCpu: number[] = [];
const rows: [string, number[]][] = [["curl ← origin (Deno)", []], ["dfly get ← 1 peer", []]];
if (nginxUrl) rows.push(["curl ← nginx", []]);
for (let i = 0; i < runs; i++) {
  if (nginxUrl) rows[2][1].push(await curl(nginxUrl, `${out}/curl.bin`));
  rows[0][1].push(await curl(origin.fileUrl, `${out}/curl.bin`));
  const agent = await startAgent(h, `agent-${i}`, tracker.url);
  const seedBefore = await cpuSeconds(seed.child.pid);
  const agentBefore = await cpuSeconds(agent.child.pid);
  const r = await getVia(h, agent.url, origin.fileUrl, `${out}/get.bin`);
  seedCpu.push(await cpuSeconds(seed.child.pid) - seedBefore);
  agentCpu.push(await cpuSeconds(agent.child.pid) - agentBefore);
  if (r.from_source_bytes > 0) {
    console.error(`run ${i}: ${r.from_source_bytes} bytes came from the source`);
  }
  rows[1][1].push(r.seconds);
  await Deno.remove(`${out}/get.bin`);
  await agent.kill();
  console.error(
    `run ${i}: ${rows.map(([n, xs]) => `${n} ${xs[i].toFixed(2)} s`).join(", ")}; CPU seed ${
      seedCpu[i].toFixed(2)
    } s, agent ${agentCpu[i].toFixed(2)} s`,
  );
}

const dfly = median(rows[1][1]);
console.log(
  `\n${values.size} on loopback, ${runs} runs, medians; last column: dfly's throughput as a share of that method's\n`,
);
console.log("| method | seconds | MB/s | dfly vs it |");
console.log("| --- | ---: | ---: | ---: |");
for (const [name, xs] of rows) {
  const s = median(xs);
  console.log(
    `| ${name} | ${s.toFixed(2)} | ${(size / s / 1e6).toFixed(0)} | ${
      (s / dfly * 100).toFixed(0)
    }% |`,
  );
}
const gib = size / 2 ** 30;
console.log(
  `\nCPU during dfly get (medians, per GiB): serving seed ${
    (median(seedCpu) / gib).toFixed(2)
  } CPU-s, downloading agent ${(median(agentCpu) / gib).toFixed(2)} CPU-s`,
);
