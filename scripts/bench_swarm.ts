/**
 * @module bench_swarm — benchmark (b): N agents fetching one file at once
 * through a tracker and a seed, against one host alone (one agent with no
 * peers, i.e. straight from the origin), measured in the same run. Prints a
 * table of medians: time to the last finished agent, the swarm's time as a
 * multiple of the single host's, and the origin's egress in copies.
 *
 * ```sh
 * deno run -A scripts/bench_swarm.ts [--size 256MiB] [--agents 8] [--runs 3] [--rate 32MiB]
 * ```
 *
 * On loopback every "host" shares this machine's cores, so without `--rate`
 * the swarm is CPU-bound. `--rate` gives every agent (and the seed) that
 * download and upload limit, emulating hosts with their own links: then the
 * swarm should take about as long as one host.
 */
import { parseScriptArgs } from "./args.ts";
import { Harness } from "../tests/_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "../tests/_swarm.ts";
import { parseSize } from "../util/units.ts";

const { values } = parseScriptArgs("bench_swarm", {
  options: {
    size: { type: "string", default: "256MiB" },
    agents: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
    rate: { type: "string", default: "0" },
  },
});
const size = parseSize(values.size!);
const n = Number(values.agents);
const runs = Number(values.runs);
const limits = ["--download-limit", values.rate!, "--upload-limit", values.rate!];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface RunResult {
  seconds: number;
  originCopies: number;
  peerShare: number;
}

/** One host alone: a fresh tracker and one agent, nobody to share with. */
async function single(): Promise<RunResult> {
  await using h = new Harness();
  const origin = await startOrigin(h, values.size!);
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "alone", tracker.url, ...limits);
  const out = `${await h.tempDir()}/out.bin`;
  const t0 = performance.now();
  await getVia(h, agent.url, origin.fileUrl, out);
  const seconds = (performance.now() - t0) / 1000;
  if (await sha256File(out) !== origin.sha256) throw new Error("single copy is corrupt");
  return { seconds, originCopies: await origin.bytesSent() / size, peerShare: 0 };
}

/** The swarm: a tracker, a seed and `n` agents, all fetching at once. */
async function swarm(): Promise<RunResult> {
  await using h = new Harness();
  const origin = await startOrigin(h, values.size!);
  const tracker = await startTracker(h);
  await startAgent(h, "seed", tracker.url, "--seed", ...limits);
  const agents = await Promise.all(
    Array.from({ length: n }, (_, i) => startAgent(h, `agent-${i}`, tracker.url, ...limits)),
  );
  const dir = await h.tempDir();
  const t0 = performance.now();
  const results = await Promise.all(
    agents.map((a, i) => getVia(h, a.url, origin.fileUrl, `${dir}/out-${i}.bin`)),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < n; i++) {
    if (await sha256File(`${dir}/out-${i}.bin`) !== origin.sha256) {
      throw new Error(`copy ${i} is corrupt`);
    }
  }
  const peers = results.reduce((a, r) => a + r.from_peers_bytes, 0);
  return { seconds, originCopies: await origin.bytesSent() / size, peerShare: peers / (n * size) };
}

const singles: RunResult[] = [];
const swarms: RunResult[] = [];
for (let i = 0; i < runs; i++) {
  singles.push(await single());
  swarms.push(await swarm());
  console.error(
    `run ${i}: one host ${singles[i].seconds.toFixed(2)} s, ${n} agents ${
      swarms[i].seconds.toFixed(2)
    } s, origin ${swarms[i].originCopies.toFixed(2)} copies`,
  );
}

const one = median(singles.map((r) => r.seconds));
const many = median(swarms.map((r) => r.seconds));
console.log(
  `\n${values.size}, ${n} agents + 1 seed on loopback (${navigator.hardwareConcurrency} cores), ` +
    `per-host rate ${values.rate === "0" ? "unlimited" : values.rate}, medians of ${runs} runs\n`,
);
console.log(
  "| setup | time to last copy | × one host | origin egress (copies) | bytes from peers |",
);
console.log("| --- | ---: | ---: | ---: | ---: |");
console.log(
  `| one host alone | ${one.toFixed(2)} s | 1.00 | ${
    median(singles.map((r) => r.originCopies)).toFixed(2)
  } | 0% |`,
);
console.log(
  `| ${n} agents at once | ${many.toFixed(2)} s | ${(many / one).toFixed(2)} | ${
    median(swarms.map((r) => r.originCopies)).toFixed(2)
  } | ${(median(swarms.map((r) => r.peerShare)) * 100).toFixed(0)}% |`,
);
console.log(
  `| ${n} × one host (plain HTTP estimate) | ${(n * one).toFixed(2)} s | ${n}.00 | ${n}.00 | 0% |`,
);
