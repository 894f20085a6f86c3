/**
 * bench_floor — what one bulk transfer costs the Deno runtime itself, on the
 * same emulated link as the swarm benchmark: the floor under dfly's CPU per
 * byte, with no hashing, no pieces and no tracker (see docs/SWARM.md).
 *
 * sudo deno run -A scripts/bench_floor.ts [--size 200MiB] [--rate 100Mbit] [--runs 3]
 *
 * Two hosts (h0 serves, h1 receives into a tmpfs file), one stream each case:
 *   curl ← Deno.serve      curl as the C baseline for the receiving side
 *   fetch ← Deno.serve     the agents' HTTP path: fresh 256 KiB chunks out, BYOB reads in
 *   TCP ← TCP              Deno.listen / Deno.connect, one reused buffer each side
 * Prints each side's CPU seconds (bash `times`, user + system) and the time.
 */
import { parseArgs } from "node:util";
import { timedArgs, waitForPort } from "./testbed/method.ts";
import { run, Testbed, type TestbedHost } from "./testbed/netns.ts";
import { parseBashTimes } from "./testbed/proc_counters.ts";
import { parseRate, parseSize } from "../util/units.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string", default: "200MiB" },
    rate: { type: "string", default: "100Mbit" },
    runs: { type: "string", default: "3" },
  },
});
const size = parseSize(values.size!);
const rate = parseRate(values.rate!);
const runs = Number(values.runs);
if (!(size > 0) || !(rate > 0) || !(runs >= 1)) {
  console.error("bench_floor: bad arguments (--size > 0, --rate > 0, --runs ≥ 1)");
  Deno.exit(2);
}
if (Deno.uid() !== 0) {
  console.error("bench_floor: needs root (network namespaces, tc)");
  Deno.exit(1);
}

const PEER = new URL("./testbed/floor_peer.ts", import.meta.url).pathname;
const PORT = 9090;
const work = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "dfly-floor-" });
const bed = await Testbed.create({ clients: 1, rate, prefix: `dff${Deno.pid % 100000}` });
const [server, client] = [bed.origin, bed.clients[0]];

/** Runs `program args` in `host` under bash, which reports its children's CPU on exit. */
function timed(host: TestbedHost, program: string, args: string[]) {
  const child = new Deno.Command("ip", {
    args: timedArgs(host, program, args),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  return child.output().then((out) => {
    const text = new TextDecoder().decode(out.stderr);
    if (out.code !== 0) throw new Error(`${program} ${args.join(" ")}: ${text.trim().slice(-300)}`);
    return parseBashTimes(text);
  });
}

const deno = Deno.execPath();
const cases: { name: string; serve: string[]; get: (out: string) => [string, string[]] }[] = [
  {
    name: "curl ← Deno.serve",
    serve: ["serve-http"],
    get: (out) => ["curl", ["-s", "-o", out, `http://${server.ip}:${PORT}/f`]],
  },
  {
    name: "fetch ← Deno.serve",
    serve: ["serve-http"],
    get: (out) => [deno, ["run", "-A", PEER, "get-http", `http://${server.ip}:${PORT}/f`, out]],
  },
  {
    name: "TCP ← TCP",
    serve: ["serve-raw"],
    get: (out) => [deno, ["run", "-A", PEER, "get-raw", `${server.ip}:${PORT}`, out]],
  },
];

const rows: { name: string; seconds: number; serverCpu: number; clientCpu: number }[] = [];
try {
  const file = `${work}/file`;
  await run("bash", ["-c", `head -c ${size} /dev/urandom > ${file}`]);
  // The probe connection of waitForPort would take a one-shot raw server's only accept.
  const probeSafe = (c: (typeof cases)[number]) => c.serve[0] === "serve-http";
  for (let r = 1; r <= runs; r++) {
    for (const c of cases) {
      const out = `${work}/out`;
      const serving = timed(server, deno, ["run", "-A", PEER, ...c.serve, String(PORT), file]);
      if (probeSafe(c)) await waitForPort(client, server.ip, PORT, 12_000);
      else await new Promise((res) => setTimeout(res, 1500));
      const started = performance.now();
      const [program, args] = c.get(out);
      const clientCpu = await timed(client, program, args);
      const seconds = (performance.now() - started) / 1000;
      const serverCpu = await serving;
      const got = (await Deno.stat(out)).size;
      if (got !== size) throw new Error(`${c.name}: received ${got} of ${size} bytes`);
      await Deno.remove(out);
      rows.push({ name: c.name, seconds, serverCpu, clientCpu });
      console.log(
        `run ${r} ${c.name}: ${seconds.toFixed(1)} s, server ${serverCpu.toFixed(2)} CPU-s, ` +
          `client ${clientCpu.toFixed(2)} CPU-s`,
      );
    }
  }
} finally {
  await bed.destroy();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `\n${values.size} at ${values.rate}, ${runs} runs (medians; process life, start-up included)\n`,
);
console.log("| case | time (s) | server CPU-s | client CPU-s |");
console.log("| ---- | -------: | -----------: | -----------: |");
for (const c of cases) {
  const mine = rows.filter((x) => x.name === c.name);
  console.log(
    `| ${c.name} | ${median(mine.map((x) => x.seconds)).toFixed(1)} | ${
      median(mine.map((x) => x.serverCpu)).toFixed(2)
    } | ${median(mine.map((x) => x.clientCpu)).toFixed(2)} |`,
  );
}
