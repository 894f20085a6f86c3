/**
 * @module bench_tracker — tracker load: one real tracker process (embedded
 * libsql file), driven over HTTP by simulated agents that move no file
 * bytes. One seed reports the digests of a task of `--pieces` pieces; then
 * `--peers` peers join it and report pieces in batches the way a real
 * agent's announcer does (`have` since the last announce, the digest cursor,
 * parents asked for on every announce), while every host heartbeats at the
 * interval the tracker asks for. Reports sustained piece reports/s and the
 * p50/p99 latency of the announce that hands out parents, per peer count.
 *
 * ```sh
 * deno run -A scripts/bench_tracker.ts [--peers 100,1000,5000] [--pieces 500]
 *   [--seconds 15] [--warmup 2] [--concurrency 32] [--batch 4] [--doc docs/SWARM.md | --no-doc]
 * ```
 *
 * The load generator is one Deno process on the same cores as the tracker;
 * the tracker's own CPU per report (from /proc) is printed too, because it
 * does not depend on how much CPU the generator takes.
 */
import { parseScriptArgs } from "./args.ts";
import { Harness } from "../tests/_harness.ts";
import { startTracker } from "../tests/_swarm.ts";
import { taskId } from "../util/task_id.ts";
import {
  type AnnounceRequest,
  type AnnounceResponse,
  type HeartbeatRequest,
  type HostInfo,
  TRACKER_ROUTES,
} from "../wire.ts";
import { markdownTable, spliceSection } from "./testbed/render.ts";
import { parsePidStatTicks, parseRssBytes } from "./testbed/proc_counters.ts";
import { percentile } from "./testbed/swarm_math.ts";

const { values } = parseScriptArgs("bench_tracker", {
  options: {
    peers: { type: "string", default: "100,1000,5000" },
    pieces: { type: "string", default: "500" },
    seconds: { type: "string", default: "15" },
    concurrency: { type: "string", default: "32" },
    batch: { type: "string", default: "4" },
    warmup: { type: "string", default: "2" },
    doc: { type: "string", default: "docs/SWARM.md" },
    "no-doc": { type: "boolean", default: false },
  },
});
const peerCounts = values.peers!.split(",").map(Number);
const pieces = Number(values.pieces);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const batch = Number(values.batch);
const warmup = Number(values.warmup);
const PIECE = 4 * 2 ** 20;
const clkTck = 100;

/** One simulated agent: its host record, the pieces it will report, its digest cursor. */
interface SimPeer {
  host: HostInfo;
  order: number[];
  next: number;
  cursor: number;
  /** Token of the last answer, echoed as a real agent does. */
  listing: number;
  /** Its first (full) announce went out. */
  joined: boolean;
  /** An announce of it is in flight (one at a time, as in a real agent). */
  busy: boolean;
}

function hex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

async function post<T>(base: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

async function cpuTicks(pid: number): Promise<number> {
  return parsePidStatTicks(await Deno.readTextFile(`/proc/${pid}/stat`));
}

interface LoadResult {
  peers: number;
  seconds: number;
  announces: number;
  reports: number;
  p50: number;
  p99: number;
  max: number;
  parentsAvg: number;
  heartbeats: number;
  hbP99: number;
  trackerCpuUsPerReport: number;
  trackerCpuPct: number;
  trackerRssMiB: number;
  joinP99: number;
  joinsPerSecond: number;
  errors: number;
}

async function measure(peerCount: number): Promise<LoadResult> {
  await using h = new Harness();
  const tracker = await startTracker(h);
  const pid = tracker.child.pid;
  const base = tracker.url;
  const url = `http://origin.invalid/bench/${peerCount}.bin`;
  const task = { id: taskId({ url }), url, tag: "", private: false };
  const announce = (host: HostInfo, over: Partial<AnnounceRequest>): AnnounceRequest => ({
    host,
    task,
    have: [],
    full: false,
    digestCursor: 0,
    source: null,
    sourceError: null,
    failed: [],
    done: false,
    listing: 0,
    ...over,
  });

  // The seed: reports length and every digest as a source-goer, then that it is done.
  const seedHost: HostInfo = {
    id: hex(16),
    addr: "10.1.0.1:65002",
    idc: "",
    seed: true,
    uploads: 0,
  };
  const digests = Array.from({ length: pieces }, (_, i) => [i, hex(32)] as [number, string]);
  await post(base, TRACKER_ROUTES.announce, announce(seedHost, { full: true }));
  await post(
    base,
    TRACKER_ROUTES.announce,
    announce(seedHost, {
      source: { length: pieces * PIECE, etag: null, lastModified: null, digests },
    }),
  );
  await post(
    base,
    TRACKER_ROUTES.announce,
    announce(seedHost, { done: true, digestCursor: pieces }),
  );

  const newPeer = (i: number): SimPeer => ({
    host: {
      id: hex(16),
      addr: `10.${2 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}:65002`,
      idc: "",
      seed: false,
      uploads: 0,
    },
    order: shuffled(pieces),
    next: 0,
    cursor: 0,
    listing: 0,
    joined: false,
    busy: false,
  });
  const peers: SimPeer[] = Array.from({ length: peerCount }, (_, i) => newPeer(i));
  let errors = 0;

  // Join: every peer's first announce (full, nothing held yet).
  const joinLatencies: number[] = [];
  let joinNext = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (joinNext < peers.length) {
      const p = peers[joinNext++];
      const t = performance.now();
      try {
        const res = await post<AnnounceResponse>(
          base,
          TRACKER_ROUTES.announce,
          announce(p.host, { full: true }),
        );
        p.cursor = res.digestCursor;
        p.listing = res.listing;
        p.joined = true;
      } catch {
        errors++;
      }
      joinLatencies.push(performance.now() - t);
    }
  }));

  // Nothing is counted during the warm-up (JIT, connection pool, first parents).
  const started = performance.now();
  const t0 = started + warmup * 1000;

  // Heartbeats at the tracker's interval, spread evenly, at most 64 in flight.
  const hb = await post<{ heartbeatMs: number }>(
    base,
    TRACKER_ROUTES.heartbeat,
    {
      host: seedHost,
      tasks: null,
    } satisfies HeartbeatRequest,
  );
  const hbLatencies: number[] = [];
  let hbInFlight = 0;
  let hbCursor = 0;
  let hbCarry = 0;
  const TICK = 50;
  const hbTimer = setInterval(() => {
    hbCarry += ((peers.length + 1) * TICK) / hb.heartbeatMs;
    for (; hbCarry >= 1; hbCarry--) {
      if (hbInFlight >= 64) continue;
      const host = hbCursor === peers.length ? seedHost : peers[hbCursor].host;
      hbCursor = (hbCursor + 1) % (peers.length + 1);
      hbInFlight++;
      const t = performance.now();
      post(base, TRACKER_ROUTES.heartbeat, { host, tasks: null } satisfies HeartbeatRequest)
        .then(() => t >= t0 && hbLatencies.push(performance.now() - t), () => errors++)
        .finally(() => hbInFlight--);
    }
  }, TICK);

  // Announce workers: round-robin over peers, each announce reports the next batch.
  const latencies: number[] = [];
  let reports = 0;
  let parentsSeen = 0;
  let cursor = 0;
  const deadline = t0 + seconds * 1000;
  let ticks0 = 0;
  const ticksAtT0 = new Promise<void>((resolve) =>
    setTimeout(async () => {
      ticks0 = await cpuTicks(pid);
      resolve();
    }, t0 - started)
  );
  // A peer that reported its last piece is replaced by a newcomer that joins
  // (full announce), so the population stays at `peerCount` for the window.
  let joins = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      let idx = -1;
      for (let scanned = 0; scanned < peers.length; scanned++) {
        const i = (cursor + scanned) % peers.length;
        if (!peers[i].busy) {
          idx = i;
          break;
        }
      }
      if (idx < 0) {
        // Fewer free peers than workers: wait instead of spinning the event loop.
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      cursor = (idx + 1) % peers.length;
      const p = peers[idx];
      const joining = !p.joined;
      const have = joining ? [] : p.order.slice(p.next, p.next + batch);
      const done = !joining && p.next + have.length >= pieces;
      p.busy = true;
      const t = performance.now();
      try {
        const res = await post<AnnounceResponse>(
          base,
          TRACKER_ROUTES.announce,
          announce(p.host, {
            have,
            digestCursor: p.cursor,
            done,
            full: joining,
            listing: p.listing,
          }),
        );
        if (t >= t0) {
          latencies.push(performance.now() - t);
          parentsSeen += res.parents.length;
          reports += have.length;
          if (joining) joins++;
        }
        p.cursor = res.digestCursor;
        p.listing = res.listing;
        p.joined = true;
        p.next += have.length;
        if (done) peers[idx] = newPeer(idx);
      } catch {
        errors++;
      }
      p.busy = false;
    }
  }));
  await ticksAtT0;
  const elapsed = (performance.now() - t0) / 1000;
  const ticks1 = await cpuTicks(pid);
  clearInterval(hbTimer);
  const rss = parseRssBytes(await Deno.readTextFile(`/proc/${pid}/status`)) ?? NaN;
  while (hbInFlight > 0) await new Promise((r) => setTimeout(r, 20));
  const cpuSeconds = (ticks1 - ticks0) / clkTck;
  return {
    peers: peerCount,
    seconds: elapsed,
    announces: latencies.length,
    reports,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    parentsAvg: parentsSeen / Math.max(1, latencies.length),
    heartbeats: hbLatencies.length,
    hbP99: percentile(hbLatencies, 99),
    trackerCpuUsPerReport: (cpuSeconds * 1e6) / Math.max(1, reports),
    trackerCpuPct: (100 * cpuSeconds) / elapsed,
    trackerRssMiB: rss / 2 ** 20,
    joinP99: percentile(joinLatencies, 99),
    joinsPerSecond: joins / elapsed,
    errors,
  };
}

const startedAt = new Date();
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.error(
  `bench_tracker: ${pieces} pieces, ${seconds} s per size, concurrency ${concurrency}, batch ${batch}, load ${load}`,
);
const results: LoadResult[] = [];
for (const n of peerCounts) {
  const r = await measure(n);
  results.push(r);
  console.error(
    `${n} peers: ${(r.reports / r.seconds).toFixed(0)} reports/s, p50 ${r.p50.toFixed(1)} ms, p99 ${
      r.p99.toFixed(1)
    } ms, ${r.errors} errors`,
  );
}
const f = (x: number, d = 1) => Number.isFinite(x) ? x.toFixed(d) : "—";
const table = markdownTable(
  [
    "peers",
    "window (s)",
    "announces/s",
    "piece reports/s",
    "announce p50 (ms)",
    "p99 (ms)",
    "max (ms)",
    "parents/answer",
    "heartbeats/s",
    "heartbeat p99 (ms)",
    "join p99 (ms)",
    "newcomers/s",
    "tracker CPU %",
    "tracker CPU µs/report",
    "tracker RSS (MiB)",
    "errors",
  ],
  results.map((r) => [
    String(r.peers),
    f(r.seconds),
    f(r.announces / r.seconds, 0),
    f(r.reports / r.seconds, 0),
    f(r.p50),
    f(r.p99),
    f(r.max),
    f(r.parentsAvg),
    f(r.heartbeats / r.seconds, 0),
    f(r.hbP99),
    f(r.joinP99),
    f(r.joinsPerSecond, 0),
    f(r.trackerCpuPct, 0),
    f(r.trackerCpuUsPerReport, 0),
    f(r.trackerRssMiB, 0),
    String(r.errors),
  ]),
  [
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
  ],
);
console.log(table);

if (!values["no-doc"]) {
  const shown = Deno.args.filter((a, i, all) => !a.startsWith("--doc") && all[i - 1] !== "--doc");
  const loadAfter = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  const section = [
    "```sh",
    `deno run -A scripts/bench_tracker.ts ${shown.join(" ")}`.trim(),
    "```",
    "",
    `Measured ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${pieces} pieces, ` +
    `${seconds} s per size, ${concurrency} requests in flight, ${batch} pieces per announce; ` +
    `load average before ${load}, after ${loadAfter}.`,
    "",
    table,
  ].join("\n");
  const doc = await Deno.readTextFile(values.doc!).catch(() => "");
  await Deno.writeTextFile(values.doc!, spliceSection(doc, `bench_tracker batch${batch}`, section));
  console.error(`bench_tracker: wrote ${values.doc}`);
}
