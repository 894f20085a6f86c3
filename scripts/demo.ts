/**
 * @module demo — `deno task demo`: on one machine, with nothing set up,
 * starts an origin, a tracker, a seed agent and N agents as real processes,
 * has every agent fetch the same file at once with `dfly get`, checks every
 * copy's sha256, and prints how long each took, where the bytes came from,
 * and how many copies left the origin. Everything it starts is stopped and
 * every temp dir removed, also on failure and Ctrl-C.
 *
 * ```sh
 * deno task demo                      # 256 MiB, 8 agents
 * deno task demo --size 1GiB --agents 4
 * ```
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Harness, type Proc } from "../tests/_harness.ts";
import { formatBytes, parseSize } from "../util/units.ts";
import { generateRandomFile } from "./origin.ts";

const MiB = 2 ** 20;

const USAGE = `dfly demo — N agents fetch one file at once; the origin sends it about once

Usage: deno task demo [--size 256MiB] [--agents 8] [--logs DIR]

Options:
  --size SIZE     size of the random test file (default 256MiB)
  --agents N      number of downloading agents, besides the seed (default 8)
  --logs DIR      keep every process's log there (origin, tracker, seed, agent-N)
  -h, --help      show this help`;

/** What the demo was asked to do. */
interface DemoOptions {
  size: number;
  agents: number;
  logs: string | null;
}

/** One `dfly get --json` result. */
interface GetJson {
  bytes: number;
  seconds: number;
  from_source_bytes: number;
  from_peers_bytes: number;
  via: string;
  output: string;
}

/** One row of the result table. */
interface Row {
  name: string;
  seconds: number | null;
  bytes: number;
  fromPeers: number;
  fromSource: number;
  ok: boolean;
  note: string;
}

function parseOptions(args: string[]): DemoOptions | null {
  const { values } = parseArgs({
    args,
    options: {
      size: { type: "string", default: "256MiB" },
      agents: { type: "string", default: "8" },
      logs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return null;
  const size = parseSize(values.size);
  if (size < 1) throw new RangeError("--size must be at least 1 byte");
  const agents = Number(values.agents);
  if (!Number.isInteger(agents) || agents < 1 || agents > 64) {
    throw new RangeError(
      `--agents must be a whole number from 1 to 64: current value is ${values.agents}`,
    );
  }
  return { size, agents, logs: values.logs ?? null };
}

/** Set on Ctrl-C: the run is being torn down and its output no longer means anything. */
let stopping = false;

function say(text: string): void {
  if (!stopping) console.log(text);
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  if (!stopping) await Deno.stdout.write(new TextEncoder().encode(`  ${label} … `));
  const value = await fn();
  say(`done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return value;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** The last few lines a process wrote, indented, for failure reports. */
function tail(text: string, lines = 5): string {
  return text.trimEnd().split("\n").slice(-lines).map((l) => `      ${l}`).join("\n");
}

function table(rows: Row[]): string {
  const header = ["agent", "seconds", "MiB/s", "MiB from peers", "MiB from source", ""];
  const cells = rows.map((r) => [
    r.name,
    r.seconds === null ? "-" : r.seconds.toFixed(2),
    r.seconds ? (r.bytes / MiB / r.seconds).toFixed(1) : "-",
    (r.fromPeers / MiB).toFixed(1),
    (r.fromSource / MiB).toFixed(1),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 || i === c.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i])))
      .join("   ").trimEnd();
  return [line(header), ...cells.map(line)].map((l) => `  ${l}`).join("\n");
}

async function runDemo(h: Harness, options: DemoOptions): Promise<number> {
  say(
    `dfly demo: ${options.agents} agents and 1 seed fetch a ${
      formatBytes(options.size)
    } file from one origin`,
  );
  const tmp = await h.tempDir("dfly-demo-");
  const file = join(tmp, "origin.bin");
  const sha256 = await timed(
    `generating ${formatBytes(options.size)} of random data`,
    () => generateRandomFile(file, options.size),
  );

  const { origin, seed, agents, procs } = await timed(
    `starting origin, tracker, seed and ${options.agents} agents`,
    async () => {
      const origin = await h.spawn("origin", [
        "scripts/origin.ts",
        "--listen",
        "127.0.0.1:0",
        "--file",
        file,
        "--path",
        "/file.bin",
      ]);
      const tracker = await h.spawn("tracker", [
        "tracker",
        "--listen",
        "127.0.0.1:0",
        "--db",
        `file:${join(tmp, "tracker.db")}`,
      ]);
      const agentArgs = (dir: string) => [
        "agent",
        "--listen",
        "127.0.0.1:0",
        "--tracker",
        tracker.url,
        "--data-dir",
        join(tmp, dir),
      ];
      const seed = await h.spawn("seed", [...agentArgs("seed"), "--seed"]);
      const agents = await Promise.all(
        Array.from(
          { length: options.agents },
          (_, i) => h.spawn(`agent-${i + 1}`, agentArgs(`agent-${i + 1}`)),
        ),
      );
      return { origin, seed, agents, procs: [origin, tracker, seed, ...agents] };
    },
  );
  if (options.logs) {
    const dir = options.logs;
    await Deno.mkdir(dir, { recursive: true });
    // Written on the way out, whatever the outcome, so a bad run can be read.
    h.defer(() =>
      Promise.all(procs.map((p) => Deno.writeTextFile(join(dir, `${p.name}.log`), p.stderr())))
        .then(() => {})
    );
  }

  const url = `${origin.url}/file.bin`;
  say(`  downloading ${url} on ${options.agents} agents at once …`);
  const started = performance.now();
  const results = await Promise.all(agents.map((agent, i) =>
    h.run(agent.name, [
      "get",
      url,
      "-o",
      join(tmp, `out-${i + 1}.bin`),
      "--agent",
      agent.url,
      "--json",
      "--no-progress",
    ], { timeoutMs: 600_000 }).catch((err: Error) => ({
      code: -1,
      stdout: "",
      stderr: err.message,
    }))
  ));
  const wall = (performance.now() - started) / 1000;

  say(`  checking the sha256 of ${options.agents} copies …`);
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const [i, result] of results.entries()) {
    const name = agents[i].name;
    let json: GetJson | null = null;
    try {
      json = result.code === 0 ? JSON.parse(result.stdout.trim().split("\n").at(-1)!) : null;
    } catch {
      json = null;
    }
    if (!json) {
      failures.push(`${name}: dfly get exited with ${result.code}\n${tail(result.stderr)}`);
      rows.push({
        name,
        seconds: null,
        bytes: 0,
        fromPeers: 0,
        fromSource: 0,
        ok: false,
        note: "FAILED",
      });
      continue;
    }
    const actual = await sha256File(json.output).catch(() => "unreadable");
    const ok = actual === sha256;
    if (!ok) failures.push(`${name}: sha256 of ${json.output} is ${actual}, expected ${sha256}`);
    rows.push({
      name,
      seconds: json.seconds,
      bytes: json.bytes,
      fromPeers: json.from_peers_bytes,
      fromSource: json.from_source_bytes,
      ok,
      note: ok ? (json.via === "agent" ? "" : `via ${json.via}`) : "SHA256 MISMATCH",
    });
  }
  const seedRow = await seedCounters(seed);
  if (seedRow) rows.push(seedRow);

  say("");
  say(table(rows));
  say("");
  const stats = await fetch(`${origin.url}/_stats`).then((r) => r.json()).catch(() => null);
  const egress = typeof stats?.bytesSent === "number"
    ? `origin sent ${formatBytes(stats.bytesSent)} = ${
      (stats.bytesSent / options.size).toFixed(2)
    } × the file`
    : "origin egress unknown";
  say(`  wall time ${wall.toFixed(2)} s for ${options.agents} copies; ${egress}`);
  if (failures.length > 0) {
    say(`  FAILED: ${failures.length} of ${options.agents} downloads`);
    for (const f of failures) say(`    ${f}`);
    return 1;
  }
  say(`  all ${options.agents} copies match sha256 ${sha256}`);
  return 0;
}

/** The seed's own counters for the task, when it can tell (best effort). */
async function seedCounters(seed: Proc): Promise<Row | null> {
  try {
    const res = await fetch(`${seed.url}/api/v1/tasks`, { signal: AbortSignal.timeout(2000) });
    const { tasks } = await res.json() as {
      tasks: { length: number | null; fromPeers: number; fromSource: number }[];
    };
    const task = tasks[0];
    if (!task) return null;
    return {
      name: "seed",
      seconds: null,
      bytes: task.length ?? 0,
      fromPeers: task.fromPeers,
      fromSource: task.fromSource,
      ok: true,
      note: "(fetches from the origin for the others)",
    };
  } catch {
    return null;
  }
}

async function main(args: string[]): Promise<number> {
  let options: DemoOptions | null;
  try {
    options = parseOptions(args);
  } catch (err) {
    console.error(`demo: ${(err as Error).message}`);
    return 2;
  }
  if (options === null) {
    say(USAGE);
    return 0;
  }
  let interrupted!: (signal: string) => void;
  const stop = new Promise<string>((resolve) => interrupted = resolve);
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const listener = () => {
      stopping = true;
      interrupted(signal);
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  try {
    // Disposing the harness kills every process and removes every temp dir it made.
    await using h = new Harness();
    const outcome = await Promise.race([runDemo(h, options), stop]);
    if (typeof outcome === "string") {
      console.error(`\ndemo: ${outcome}, stopping everything`);
      return 130;
    }
    return outcome;
  } catch (err) {
    console.error(`\ndemo: ${(err as Error).message}`);
    return 1;
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
