/**
 * @module method — what the three distribution methods of the netns swarm
 * benchmark share: the run context, the measurement window (machine CPU,
 * CPU of every process in the emulated hosts, the origin host's wire
 * bytes), client commands wrapped so their CPU time is reported, and the
 * sha256 check of every client's copy.
 */
import type { Harness } from "../../tests/_harness.ts";
import type { Testbed, TestbedHost } from "./netns.ts";
import {
  bashTimedArgs,
  cpuBusyPercent,
  type CpuTimes,
  parseBashTimes,
  parsePidStatTicks,
  parseProcStat,
  type TcpSegments,
  TIMES_MARKER,
} from "./proc_counters.ts";
import { run } from "./netns.ts";
import { type LinkTimeline, startLinkTimeline, timelineLines } from "./link_timeline.ts";

/** The file every method distributes. */
export interface BenchFile {
  /** Directory that holds it on the origin host (nginx root, aria2 seeder dir). */
  dir: string;
  name: string;
  size: number;
  sha256: string;
}

/** Everything a method needs for one measurement. */
export interface MethodContext {
  bed: Testbed;
  /** The clients taking part (a prefix of the testbed's clients). */
  clients: TestbedHost[];
  file: BenchFile;
  /** Per-run scratch directory on the tmpfs. */
  work: string;
  /** Owns the processes of this method; disposed after it. */
  h: Harness;
  /** Give up on the clients after this long. */
  timeoutMs: number;
  /** Kernel clock ticks per second (`getconf CLK_TCK`). */
  clkTck: number;
  /** When set, sample the links during the window and report busy shares per this many seconds. */
  timelineBucketS?: number;
}

/** The outcome of one method at one N. */
export interface MethodRun {
  method: string;
  n: number;
  /** Seconds from the start to each client's completion; null when it failed. */
  clientSeconds: (number | null)[];
  /** Bytes the origin host put on the wire during the window. */
  originBytes: number;
  /** Clients whose copy has the origin's sha256. */
  verified: number;
  /** Machine-wide CPU busy share during the window, 0–100. */
  cpuBusyPct: number;
  /** CPU seconds of every process in the emulated hosts during the window. */
  cpuSeconds: number;
  /** Part of {@link MethodRun.cpuSeconds} spent by the client commands (curl, dfly get). */
  commandCpuSeconds: number;
  /** Part of {@link MethodRun.cpuSeconds} spent in the origin host (server, tracker, seed). */
  originCpuSeconds: number;
  /** Errors, one line each. */
  errors: string[];
  /** Method-specific observations (e.g. where dfly clients got their bytes). */
  notes: string[];
  /** Link busy shares over the window, one line per bucket (with `timelineBucketS`). */
  timeline?: string[];
}

/** One sample at the start or end of a measurement window. */
export interface Snapshot {
  at: number;
  cpu: CpuTimes;
  originSent: number;
  /** The origin host's TCP segments sent and sent again. */
  originTcp: TcpSegments;
  /** CPU ticks per pid of processes in the emulated hosts. */
  ticks: Map<number, number>;
  /** Pids of processes in the origin host. */
  originPids: Set<number>;
}

/** Samples the counters of a window. */
export async function snapshot(bed: Testbed): Promise<Snapshot> {
  const ticks = new Map<number, number>();
  const byHost = await bed.pidsByHost();
  for (const pid of [...byHost.values()].flat()) {
    const text = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => null);
    if (text) ticks.set(pid, parsePidStatTicks(text));
  }
  return {
    at: Date.now(),
    cpu: parseProcStat(await Deno.readTextFile("/proc/stat")),
    originSent: await bed.sentBytes(bed.origin),
    originTcp: await bed.tcpSegments(bed.origin),
    ticks,
    originPids: new Set(byHost.get(0) ?? []),
  };
}

/**
 * CPU seconds of processes alive at `end` (minus what they had used at
 * `start`), optionally only those `pids`.
 */
export function processCpuSeconds(
  start: Snapshot,
  end: Snapshot,
  clkTck: number,
  pids?: ReadonlySet<number>,
): number {
  let ticks = 0;
  for (const [pid, t] of end.ticks) {
    if (!pids || pids.has(pid)) ticks += t - (start.ticks.get(pid) ?? 0);
  }
  return ticks / clkTck;
}

/** Share of busy CPU between two snapshots. */
export function busyPercent(start: Snapshot, end: Snapshot): number {
  return cpuBusyPercent(start.cpu, end.cpu);
}

/** One client command started by {@link startClient}. */
export interface ClientRun {
  /** Resolves with the completion time (epoch ms) and exit code. */
  done: Promise<{ at: number; code: number }>;
  /** Its CPU seconds (bash `times`) once done; 0 when not reported. */
  cpuSeconds(): number;
  output(): string;
  stdout(): string;
}

/**
 * `ip` arguments that run `program args` in `host`'s namespace under bash,
 * which prints its children's CPU time (after {@link TIMES_MARKER}, for
 * `parseBashTimes`) on stderr when the program exits.
 */
export function timedArgs(host: TestbedHost, program: string, args: string[]): string[] {
  return ["netns", "exec", host.ns, "bash", ...bashTimedArgs([program, ...args])];
}

/**
 * Starts `program args` inside `host`'s namespace under bash, which prints
 * its children's CPU time when the program exits.
 */
export async function startClient(
  ctx: MethodContext,
  host: TestbedHost,
  name: string,
  program: string,
  args: string[],
): Promise<ClientRun> {
  const proc = await ctx.h.spawnCommand(name, "ip", timedArgs(host, program, args), {
    server: false,
  });
  const done = proc.child.status.then((s) => ({ at: Date.now(), code: s.code }));
  return {
    done,
    cpuSeconds: () => {
      try {
        return parseBashTimes(proc.stderr());
      } catch {
        return 0;
      }
    },
    output: () => proc.stdout() + proc.stderr(),
    stdout: () => proc.stdout(),
  };
}

/** Waits until `host` accepts TCP connections on `port` (polled from inside its namespace). */
export async function waitForPort(
  host: TestbedHost,
  ip: string,
  port: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await run(
      "ip",
      ["netns", "exec", host.ns, "bash", "-c", `exec 3<>/dev/tcp/${ip}/${port}`],
      true,
    );
    if (res.code === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing listens on ${ip}:${port} in ${host.ns} after ${timeoutMs} ms`);
}

/** Waits for every promise up to a deadline; late ones count as null. */
export async function settleBy<T>(promises: Promise<T>[], deadline: number): Promise<(T | null)[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((r) => timer = setTimeout(() => r(null), deadline - Date.now()));
  const out = await Promise.all(
    promises.map((p) => Promise.race([p.catch(() => null), late])),
  );
  clearTimeout(timer);
  return out;
}

/** sha256 of files (Debian's sha256sum, two at a time); null for a missing file. */
export async function sha256Files(paths: string[]): Promise<(string | null)[]> {
  const out: (string | null)[] = new Array(paths.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const res = await run("sha256sum", [paths[i]], true);
      out[i] = res.code === 0 ? res.stdout.split(" ")[0] : null;
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** What a method's `start` hands to {@link measure}. */
export interface Started {
  /** Per client: completion time (epoch ms), or null when it failed. */
  done: Promise<number | null>[];
  /** CPU seconds of processes that exited during the window (bash `times`). */
  exitedCpuSeconds(): number;
  /** Errors of failed clients, read after they finished. */
  errors(): string[];
  /** Each client command's stdout (when the method runs commands). */
  stdouts?(): string[];
}

/**
 * Runs one measurement window: snapshot, `start` the clients, wait for all
 * (or the timeout), snapshot, then verify every output against the file.
 */
export async function measure(
  ctx: MethodContext,
  method: string,
  outputs: string[],
  start: () => Promise<Started>,
): Promise<MethodRun> {
  const s0 = await snapshot(ctx.bed);
  const t0 = Date.now();
  const timeline: LinkTimeline | null = ctx.timelineBucketS
    ? startLinkTimeline(ctx.bed, 250)
    : null;
  const started = await start();
  const finished = await settleBy(started.done, t0 + ctx.timeoutMs);
  const samples = await timeline?.stop();
  const s1 = await snapshot(ctx.bed);
  const clientSeconds = finished.map((at) => (at === null ? null : (at - t0) / 1000));
  const digests = await sha256Files(outputs);
  const errors = started.errors();
  const late = finished.filter((at) => at === null).length;
  if (late > 0) errors.push(`${late} of ${ctx.clients.length} clients failed or timed out`);
  const result: MethodRun = {
    method,
    n: ctx.clients.length,
    clientSeconds,
    originBytes: s1.originSent - s0.originSent,
    verified: digests.filter((d) => d === ctx.file.sha256).length,
    cpuBusyPct: busyPercent(s0, s1),
    cpuSeconds: processCpuSeconds(s0, s1, ctx.clkTck) + started.exitedCpuSeconds(),
    commandCpuSeconds: started.exitedCpuSeconds(),
    originCpuSeconds: processCpuSeconds(s0, s1, ctx.clkTck, s1.originPids),
    errors,
    notes: [await originBreakdown(s0, s1, ctx.clkTck), retransmissions(s0, s1)]
      .filter((n) => n !== ""),
    timeline: samples && timelineLines(samples, ctx.bed.hosts, ctx.timelineBucketS!),
  };
  await Promise.all(outputs.map((p) => Deno.remove(p).catch(() => {})));
  return result;
}

/** Starts one wrapped command per client and turns exits into {@link Started}. */
export async function startClients(
  ctx: MethodContext,
  command: (host: TestbedHost, i: number) => [string, string[]],
): Promise<Started> {
  const runs = await Promise.all(
    ctx.clients.map((host, i) =>
      startClient(ctx, host, `client-${host.index}`, ...command(host, i))
    ),
  );
  const codes: (number | null)[] = runs.map(() => null);
  return {
    done: runs.map((r, i) =>
      r.done.then((d) => {
        codes[i] = d.code;
        return d.code === 0 ? d.at : null;
      })
    ),
    exitedCpuSeconds: () => runs.reduce((sum, r) => sum + r.cpuSeconds(), 0),
    errors: () =>
      runs.flatMap((r, i) =>
        codes[i] !== null && codes[i] !== 0
          ? [`h${ctx.clients[i].index} exit ${codes[i]}: ${lastLine(r.output())}`]
          : []
      ),
    stdouts: () => runs.map((r) => r.stdout()),
  };
}

/** The last non-empty line before the CPU times, for error reports. */
function lastLine(text: string): string {
  const before = text.split(TIMES_MARKER)[0];
  return before.trim().split("\n").at(-1)?.slice(0, 200) ?? "";
}

/**
 * The origin's TCP retransmissions in the window: part of its wire bytes that
 * are neither payload nor framing (a congested uplink drops, TCP sends again).
 */
function retransmissions(start: Snapshot, end: Snapshot): string {
  const out = end.originTcp.out - start.originTcp.out;
  const retrans = end.originTcp.retrans - start.originTcp.retrans;
  if (out <= 0) return "";
  return `origin resent ${retrans} of ${out} TCP segments (${(100 * retrans / out).toFixed(1)}%)`;
}

/**
 * CPU seconds of each process in the origin host over the window, named by
 * its command (`tracker`, `agent` for dfly's main.ts, else the program).
 */
async function originBreakdown(start: Snapshot, end: Snapshot, clkTck: number): Promise<string> {
  const byName = new Map<string, number>();
  for (const pid of end.originPids) {
    const ticks = (end.ticks.get(pid) ?? 0) - (start.ticks.get(pid) ?? 0);
    if (ticks <= 0) continue;
    const argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "")).split("\0");
    const main = argv.findIndex((a) => a.endsWith("main.ts"));
    const name = main >= 0 ? argv[main + 1] ?? "main.ts" : (argv[0] ?? "").split("/").pop() || "?";
    byName.set(name, (byName.get(name) ?? 0) + ticks / clkTck);
  }
  if (byName.size === 0) return "";
  return `origin host CPU: ${
    [...byName].sort((a, b) => b[1] - a[1]).map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")
  }`;
}
