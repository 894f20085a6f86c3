/**
 * @module _swarm — helpers for end-to-end tests that start an origin, a
 * tracker and agents as real processes through {@link Harness}.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Harness, Proc } from "./_harness.ts";

/** A running test origin. */
export interface TestOrigin {
  proc: Proc;
  fileUrl: string;
  sha256: string;
  size: number;
  /** Body bytes the origin has sent so far. */
  bytesSent(): Promise<number>;
}

/** Starts scripts/origin.ts serving `size` random bytes. */
export async function startOrigin(
  h: Harness,
  size: string,
  ...extra: string[]
): Promise<TestOrigin> {
  const dir = await h.tempDir("dfly-origin-");
  const proc = await h.spawn("origin", [
    "scripts/origin.ts",
    "--size",
    size,
    "--dir",
    dir,
    ...extra,
  ]);
  const m = /origin file url=(\S+) path=\S+ size=(\d+) sha256=([0-9a-f]{64})/.exec(proc.stderr());
  assert.ok(m, proc.stderr());
  return {
    proc,
    fileUrl: m[1],
    size: Number(m[2]),
    sha256: m[3],
    bytesSent: async () => (await (await fetch(`${proc.url}/_stats`)).json()).bytesSent,
  };
}

/** Starts a tracker on an ephemeral port with its db in a temp dir. */
export async function startTracker(h: Harness, ...extra: string[]): Promise<Proc & { db: string }> {
  const dir = await h.tempDir("dfly-tracker-");
  const db = `file:${dir}/tracker.db`;
  const proc = await h.spawn("tracker", [
    "tracker",
    "--listen",
    "127.0.0.1:0",
    "--db",
    db,
    ...extra,
  ]);
  return Object.assign(proc, { db });
}

/** Starts an agent with unlimited rates on an ephemeral port. */
export async function startAgent(
  h: Harness,
  name: string,
  trackerUrl: string,
  ...extra: string[]
): Promise<Proc & { dataDir: string }> {
  const dataDir = await h.tempDir(`dfly-${name}-`);
  const proc = await h.spawn(name, [
    "agent",
    "--listen",
    "127.0.0.1:0",
    "--tracker",
    trackerUrl,
    "--data-dir",
    dataDir,
    "--download-limit",
    "0",
    "--upload-limit",
    "0",
    ...extra,
  ]);
  return Object.assign(proc, { dataDir });
}

/** The `dfly get --json` summary. */
export interface GetSummary {
  task_id: string;
  bytes: number;
  seconds: number;
  from_source_bytes: number;
  from_peers_bytes: number;
  via: string;
}

/** Runs `dfly get URL -o OUT --agent AGENT --json --no-progress`; asserts success. */
export async function getVia(
  h: Harness,
  agentUrl: string,
  url: string,
  out: string,
  ...extra: string[]
): Promise<GetSummary> {
  const res = await h.run("get", [
    "get",
    url,
    "-o",
    out,
    "--agent",
    agentUrl,
    "--json",
    "--no-progress",
    ...extra,
  ], { timeoutMs: 120_000 });
  assert.equal(res.code, 0, `dfly get failed:\n${res.stderr}`);
  return JSON.parse(res.stdout) as GetSummary;
}

/** sha256 hex of a file. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}
