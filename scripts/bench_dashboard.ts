/**
 * @module bench_dashboard — what the dashboard costs the tracker as the swarm
 * grows: time and size of the overview and piece-map answers for N peers on
 * one task of P pieces, in process (the tracker's Hono app, no sockets).
 *
 *   deno run -A scripts/bench_dashboard.ts [--pieces 500] [--peers 10,100,1000,5000]
 */
import { parseScriptArgs } from "./args.ts";
import { createTrackerApp } from "../tracker/app.ts";
import { TrackerState } from "../tracker/state.ts";
import { createLogger, setLogLevel } from "../util/log.ts";

const { values } = parseScriptArgs("bench_dashboard", {
  options: {
    pieces: { type: "string", default: "500" },
    peers: { type: "string", default: "10,100,1000,5000" },
  },
});
const pieces = Number(values.pieces);
const sizes = values.peers!.split(",").map(Number);
setLogLevel("error");

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const task = { id: "ef".repeat(32), url: "http://origin.test/f", tag: "", private: false };
const all = Array.from({ length: pieces }, (_, i) => i);

async function timed(app: ReturnType<typeof createTrackerApp>, path: string) {
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const res = await app.request(path);
    bytes = (await res.text()).length;
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[Math.floor(runs.length / 2)], bytes };
}

console.log(`one task of ${pieces} pieces; median of 15 requests each`);
console.log("peers | overview ms | overview KB | piece map ms | piece map KB");
console.log("----: | ----------: | ----------: | -----------: | -----------:");
for (const n of sizes) {
  const state = new TrackerState({ peerTtlMs: 3_600_000, sourcePeers: 1, seedGraceMs: 3000 });
  const app = createTrackerApp({
    state,
    now: Date.now,
    triggerSeed: () => {},
    log: createLogger("bench"),
    token: null,
  });
  for (let p = 1; p <= n; p++) {
    const first = p === 1;
    const res = await app.request("/api/v1/announce", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        host: {
          id: hex(p, 32),
          addr: `10.${p >> 16}.${(p >> 8) & 255}.${p & 255}:65002`,
          idc: "",
          seed: first,
          uploads: 0,
        },
        task,
        have: first ? all : all.filter(() => Math.random() < 0.5),
        full: true,
        digestCursor: 0,
        source: first
          ? {
            length: pieces * 4 * 2 ** 20,
            etag: null,
            lastModified: null,
            digests: all.map((i) => [i, hex(i + 1, 64)]),
          }
          : null,
        sourceError: null,
        failed: [],
        done: first,
      }),
    });
    if (res.status !== 200) throw new Error(await res.text());
  }
  const o = await timed(app, "/api/v1/overview?hosts=50");
  const m = await timed(app, `/api/v1/tasks/${task.id}/pieces?rows=48&cols=256`);
  console.log(
    `${n} | ${o.ms.toFixed(2)} | ${(o.bytes / 1024).toFixed(1)} | ${m.ms.toFixed(2)} | ${
      (m.bytes / 1024).toFixed(1)
    }`,
  );
}
