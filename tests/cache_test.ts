/**
 * End-to-end cache management against real agents: `dfly cache ls|rm|gc`
 * (quota and TTL), the agent's own TTL sweep, and `dfly import` on one
 * agent with `dfly export` on another moving the file by P2P only.
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import type { CacheListing } from "../wire_ops.ts";
import { Harness } from "./_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const MiB = 2 ** 20;

async function lsCli(h: Harness, agent: string): Promise<CacheListing> {
  const res = await h.run("cache", ["cache", "ls", "--json", "--agent", agent]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout);
}

/** The listing `dfly cache ls --json` prints, read from the same route without a process. */
async function ls(_h: Harness, agent: string): Promise<CacheListing> {
  return await (await fetch(`${agent}/api/v1/cache`)).json();
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("dfly cache: ls, gc under a quota and a TTL, rm by id prefix, the agent's TTL sweep", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "4MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url);
  const out = await h.tempDir();
  const tags = ["t0", "t1", "t2", "t3"];
  for (const tag of tags) {
    await getVia(h, agent.url, origin.fileUrl, `${out}/${tag}.bin`, "--tag", tag);
  }
  const ids = tags.map((tag) => taskId({ url: origin.fileUrl, tag }));
  let listing = await lsCli(h, agent.url);
  assert.equal(listing.usage, 16 * MiB);
  assert.deepEqual(listing.tasks.map((t) => t.id), [...ids].reverse(), "most recent first");
  const table = await h.run("cache", ["cache", "ls", "--agent", agent.url]);
  assert.match(table.stdout, /^TASK\s+SIZE/);
  assert.match(table.stdout, /4 tasks, 16\.0 MiB of 20\.0 GiB quota, no ttl/);

  // Over a 9 MiB quota the two least recently used go.
  const gc = await h.run("cache", ["cache", "gc", "--quota", "9MiB", "--agent", agent.url]);
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /2 tasks removed, 8\.0 MiB freed, 8\.0 MiB in use/);
  listing = await ls(h, agent.url);
  assert.deepEqual(listing.tasks.map((t) => t.id).sort(), [ids[2], ids[3]].sort());
  assert.equal(await exists(`${agent.dataDir}/tasks/${ids[0]}`), false, "files gone");
  assert.equal(await exists(`${agent.dataDir}/tasks/${ids[2]}`), true);

  // rm by a unique id prefix; an unknown one is a one-line error.
  const rm = await h.run("cache", ["cache", "rm", ids[2].slice(0, 10), "--agent", agent.url]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout.trim(), `removed ${ids[2]}`);
  const bad = await h.run("cache", ["cache", "rm", "ffffff0000", "--agent", agent.url]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a cached task id, id prefix or import name/);

  // A TTL shorter than the time since the last read removes the rest.
  await new Promise((r) => setTimeout(r, 1100));
  const ttl = await h.run("cache", ["cache", "gc", "--ttl", "1s", "--json", "--agent", agent.url]);
  assert.deepEqual(
    JSON.parse(ttl.stdout).removed.map((r: { id: string; reason: string }) => [r.id, r.reason]),
    [[ids[3], "expired"]],
  );
  assert.equal((await ls(h, agent.url)).tasks.length, 0);

  // An agent with --cache-ttl sweeps by itself.
  const sweeper = await startAgent(h, "sweeper", tracker.url, "--cache-ttl", "1s");
  await getVia(h, sweeper.url, origin.fileUrl, `${out}/swept.bin`);
  const logged = /cache gc removed task .*reason=expired/;
  let left = 1;
  // The log line reaches us through a pipe, possibly after the task is gone: wait for both.
  for (let i = 0; i < 60 && (left > 0 || !logged.test(sweeper.stderr())); i++) {
    await new Promise((r) => setTimeout(r, 200));
    left = (await ls(h, sweeper.url)).tasks.length;
  }
  assert.equal(left, 0, "the sweep removed the expired task");
  assert.match(sweeper.stderr(), logged);
});

Deno.test("dfly import on one agent, dfly export on another: by name, P2P only", async () => {
  await using h = new Harness();
  const tracker = await startTracker(h);
  const a = await startAgent(h, "importer", tracker.url);
  const b = await startAgent(h, "exporter", tracker.url);
  const dir = await h.tempDir();
  const file = `${dir}/weights.bin`;
  const bytes = new Uint8Array(9 * MiB + 123);
  for (let i = 0; i < bytes.length; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  await Deno.writeFile(file, bytes);
  const sha = await sha256File(file);

  const imp = await h.run("import", [
    "import",
    file,
    "--name",
    "models/w.bin",
    "--json",
    "--agent",
    a.url,
  ]);
  assert.equal(imp.code, 0, imp.stderr);
  const result = JSON.parse(imp.stdout);
  assert.equal(result.length, bytes.length);
  assert.equal(result.pieceCount, 3);
  assert.equal(result.announced, true);

  // A body shorter than announced is the caller's mistake: 400, and nothing is kept.
  const short = await fetch(`${a.url}/api/v1/cache/import?name=short&length=100`, {
    method: "POST",
    body: "abc",
  });
  assert.equal(short.status, 400);
  assert.match((await short.json()).error, /^Cannot import "short": .*3 bytes, expected 100/);
  assert.deepEqual((await ls(h, a.url)).tasks.map((t) => t.name), ["models/w.bin"]);

  const again = await h.run("import", ["import", file, "--name", "models/w.bin", "--agent", a.url]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already in the cache/);

  const exp = await h.run("export", [
    "export",
    "models/w.bin",
    "-o",
    `${dir}/copy.bin`,
    "--json",
    "--agent",
    b.url,
  ]);
  assert.equal(exp.code, 0, exp.stderr);
  assert.equal(await sha256File(`${dir}/copy.bin`), sha);
  const summary = JSON.parse(exp.stdout);
  assert.equal(summary.from_peers_bytes, bytes.length);
  assert.equal(summary.from_source_bytes, 0);
  const listing = await lsCli(h, b.url);
  assert.deepEqual(listing.tasks.map((t) => [t.name, t.complete]), [["models/w.bin", true]]);

  const missing = await h.run("export", [
    "export",
    "models/none.bin",
    "-o",
    `${dir}/x`,
    "--agent",
    b.url,
  ]);
  assert.notEqual(missing.code, 0);
  assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
  assert.match(missing.stderr, /no host holds "models\/none\.bin"/);
  assert.equal(await exists(`${dir}/x`), false);
});

Deno.test("cache and import routes refuse callers from other hosts", async (t) => {
  const lan = Deno.networkInterfaces().find((i) =>
    i.family === "IPv4" && !i.address.startsWith("127.")
  );
  if (!lan) {
    console.log("skipped: no non-loopback IPv4 address to call from");
    return;
  }
  await using h = new Harness();
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url, "--listen", "0.0.0.0:0");
  const base = `http://${lan.address}:${new URL(agent.url).port}`;
  const calls: [string, string][] = [
    ["GET", "/api/v1/cache"],
    ["POST", "/api/v1/cache/gc"],
    ["DELETE", `/api/v1/cache/${"a".repeat(64)}`],
    ["POST", "/api/v1/cache/import?name=x&length=1"],
  ];
  for (const [method, path] of calls) {
    await t.step(`${method} ${path.split("?")[0]}`, async () => {
      const res = await fetch(base + path, { method, body: method === "POST" ? "{}" : undefined });
      assert.equal(res.status, 403);
      assert.match((await res.json()).error, /only be managed from this host/);
    });
  }
  // The same route from loopback answers.
  assert.equal((await fetch(`${agent.url}/api/v1/cache`).then((r) => r.json())).tasks.length, 0);
});
