/**
 * @module method_dfly — method (c) of the netns swarm benchmark: dfly. The
 * origin host runs nginx (the source), the tracker and a seed agent; every
 * client host runs one agent, and all clients start `dfly get` at once.
 * With `prewarm` the seed fetches the file from the source (over the origin
 * host's loopback) before the window opens, as the BitTorrent seeder holds
 * it; without, the first client's request makes the tracker trigger it.
 */
import { MAIN } from "../../tests/_harness.ts";
import {
  measure,
  type MethodContext,
  type MethodRun,
  startClients,
  type Started,
} from "./method.ts";
import { startNginx } from "./method_http.ts";
import type { TestbedHost } from "./netns.ts";
import { parseMetrics, sumSamples } from "../../util/metrics_parse.ts";

/** Tracker port on the origin host. */
export const DFLY_TRACKER_PORT = 8002;
/** Agent port on every host. */
export const DFLY_AGENT_PORT = 65002;

/** Options of {@link runDfly}. */
export interface DflyMethodOptions {
  /** Seed fetches the file before the window (default true). */
  prewarm: boolean;
  /** Extra `dfly agent` flags for every agent (tuning experiments). */
  agentArgs?: string[];
}

function denoIn(host: TestbedHost, args: string[]): string[] {
  // DFLY_BENCH_DENO_FLAGS adds runtime flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (Deno.env.get("DFLY_BENCH_DENO_FLAGS") ?? "").split(" ").filter((f) => f !== "");
  return ["netns", "exec", host.ns, Deno.execPath(), "run", "-A", ...flags, MAIN, ...args];
}

/** The agents of the current run (stopped gently when profiling, so profiles are written). */
const agentProcs: { kill(signal?: Deno.Signal): Promise<void> }[] = [];

/** Starts one agent in `host`; resolves when it listens. */
async function startAgent(
  ctx: MethodContext,
  host: TestbedHost,
  tracker: string,
  extra: string[],
): Promise<void> {
  const dataDir = `${ctx.work}/h${host.index}/agent`;
  await Deno.mkdir(dataDir, { recursive: true });
  const proc = await ctx.h.spawnCommand(
    host.index === 0 ? "seed" : `agent-h${host.index}`,
    "ip",
    denoIn(host, [
      "agent",
      "--tracker",
      tracker,
      "--listen",
      `0.0.0.0:${DFLY_AGENT_PORT}`,
      "--advertise",
      `${host.ip}:${DFLY_AGENT_PORT}`,
      "--data-dir",
      dataDir,
      "--download-limit",
      "0",
      "--upload-limit",
      "0",
      ...extra,
    ]),
    { timeoutMs: 180_000 },
  );
  agentProcs.push(proc);
  // DFLY_BENCH_LOGS=DIR keeps every agent's log of the run (for finding out why).
  const logs = Deno.env.get("DFLY_BENCH_LOGS");
  if (logs) {
    void proc.status.then(() =>
      Deno.mkdir(logs, { recursive: true }).then(() =>
        Deno.writeTextFile(`${logs}/${proc.name}.log`, proc.stderr())
      )
    ).catch(() => {});
  }
}

/** Tracker and seed on the origin, an agent per client, then every client's `dfly get` at once. */
export async function runDfly(ctx: MethodContext, options: DflyMethodOptions): Promise<MethodRun> {
  const { origin } = ctx.bed;
  const url = await startNginx(ctx);
  const extra = options.agentArgs ?? [];
  await Deno.mkdir(`${ctx.work}/h0`, { recursive: true });
  const trackerUrl = `http://${origin.ip}:${DFLY_TRACKER_PORT}`;
  await ctx.h.spawnCommand(
    "tracker",
    "ip",
    denoIn(origin, [
      "tracker",
      "--listen",
      `${origin.ip}:${DFLY_TRACKER_PORT}`,
      "--db",
      `file:${ctx.work}/h0/tracker.db`,
    ]),
    { timeoutMs: 180_000 },
  );
  await startAgent(ctx, origin, trackerUrl, ["--seed", ...extra]);
  await Promise.all(ctx.clients.map((h) => startAgent(ctx, h, trackerUrl, extra)));
  const agent = `http://127.0.0.1:${DFLY_AGENT_PORT}`;
  const get = (out: string) =>
    [
      Deno.execPath(),
      ["run", "-A", MAIN, "get", url, "-o", out, "--agent", agent, "--no-progress", "--json"],
    ] as [string, string[]];
  if (options.prewarm) {
    const pre = await startClients(
      { ...ctx, clients: [origin] },
      () => get(`${ctx.work}/h0/prewarm.bin`),
    );
    if ((await pre.done[0]) === null) {
      throw new Error(`seed prewarm failed: ${pre.errors().join("; ")}`);
    }
    await Deno.remove(`${ctx.work}/h0/prewarm.bin`).catch(() => {});
  }
  const outputs = ctx.clients.map((h) => `${ctx.work}/h${h.index}/dfly.bin`);
  let started: Started | null = null;
  const result = await measure(
    ctx,
    "dfly",
    outputs,
    async () => {
      await ctx.bed.countReceivedFrom(ctx.clients, origin.ip, [DFLY_TRACKER_PORT, DFLY_AGENT_PORT]);
      return started = await startClients(ctx, (_h, i) => get(outputs[i]));
    },
  );
  result.method = options.prewarm ? "dfly" : "dfly (cold seed)";
  result.notes.push(byteSources((started as Started | null)?.stdouts?.() ?? []));
  result.notes.push(await originPorts(ctx));
  result.notes.push(await seedUploads(origin, ctx.file.size));
  result.notes.push(await clientRejections(ctx.clients));
  if (Deno.env.get("DFLY_BENCH_DENO_FLAGS")) {
    await Promise.all(agentProcs.map((p) => p.kill("SIGTERM")));
  }
  agentProcs.length = 0;
  return result;
}

/** An agent's /metrics, read inside its host. */
async function metricsIn(host: TestbedHost) {
  const out = await new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      host.ns,
      "curl",
      "-s",
      "-m",
      "5",
      `http://127.0.0.1:${DFLY_AGENT_PORT}/metrics`,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return parseMetrics(new TextDecoder().decode(out.stdout));
}

/**
 * Piece transfers the client agents gave up on, by reason, requests a seed
 * or a peer told them to bring back later (429), and bytes of endgame
 * duplicates that lost the race.
 */
async function clientRejections(clients: TestbedHost[]): Promise<string> {
  const all = await Promise.all(clients.map(metricsIn));
  const sum = (name: string, labels: Record<string, string> = {}) =>
    all.reduce((t, samples) => t + sumSamples(samples, name, labels), 0);
  const reasons = ["timeout", "connect", "http", "digest"]
    .map((r) => `${r} ${sum("dfly_agent_pieces_rejected_total", { reason: r })}`).join(", ");
  const deferred = (parent: string) => sum("dfly_agent_spread_deferred_total", { parent });
  return `clients gave up on piece transfers: ${reasons}; told to come back by the seed ${
    deferred("seed")
  }, by peers ${deferred("peer")}; endgame bytes lost ${
    (sum("dfly_agent_superseded_bytes_total") / 2 ** 20).toFixed(0)
  } MiB`;
}

/**
 * What the clients received from the origin host, by its source port, in
 * copies of the file: the tracker's answers apart from the seed agent's
 * pieces and refusals. IP bytes as received (merged segments), so most
 * TCP/IP framing is in neither.
 */
async function originPorts(ctx: MethodContext): Promise<string> {
  const bytes = await ctx.bed.receivedFrom(ctx.clients);
  const copies = (port: number) => ((bytes.get(port) ?? 0) / ctx.file.size).toFixed(3);
  return `clients received from the origin's tracker ${
    copies(DFLY_TRACKER_PORT)
  } copies, from its seed agent ${copies(DFLY_AGENT_PORT)} copies (IP bytes)`;
}

/**
 * What the seed agent says it uploaded (its /metrics, read inside the origin
 * host): payload copies, pieces sent in full, and requests it held back
 * (`--seed-spread`). Tells seed duplicates from wire overhead.
 */
async function seedUploads(origin: TestbedHost, fileSize: number): Promise<string> {
  const samples = await metricsIn(origin);
  const bytes = sumSamples(samples, "dfly_agent_upload_bytes_total");
  const pieces = sumSamples(samples, "dfly_agent_pieces_uploaded_total");
  const refused = sumSamples(samples, "dfly_agent_spread_refused_total");
  return `seed uploaded ${
    (bytes / fileSize).toFixed(2)
  } copies (${pieces} pieces in full, ${refused} requests held back)`;
}

/** Where the clients' bytes came from, summed over their `dfly get --json` lines. */
export function byteSources(stdouts: string[]): string {
  let peers = 0;
  let source = 0;
  let parsed = 0;
  for (const text of stdouts) {
    try {
      const line = text.trim().split("\n").at(-1) ?? "";
      const j = JSON.parse(line) as { from_peers_bytes: number; from_source_bytes: number };
      peers += j.from_peers_bytes;
      source += j.from_source_bytes;
      parsed++;
    } catch { /* a failed client printed no summary */ }
  }
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  return `clients got ${mib(peers)} MiB from peers, ${
    mib(source)
  } MiB from the source (${parsed} summaries)`;
}
