/**
 * `dfly get` through real agents and a real tracker (all child processes):
 * the file placed by the agent, a second agent served by the first, `-o -`,
 * and a wrong `--digest` that leaves nothing behind.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Harness, MAIN, ROOT } from "./_harness.ts";

async function cluster(h: Harness) {
  const dir = await h.tempDir("dfly-get-e2e-");
  const origin = await h.spawn("origin", ["scripts/origin.ts", "--size", "9MiB", "--dir", dir]);
  const m = /origin file url=(\S+) path=\S+ size=(\d+) sha256=([0-9a-f]{64})/.exec(origin.stderr());
  assert.ok(m, origin.stderr());
  const tracker = await h.spawn("tracker", [
    "tracker",
    "--listen",
    "127.0.0.1:0",
    "--db",
    `file:${join(dir, "tracker.db")}`,
  ]);
  const agent = (name: string) =>
    h.spawn(name, [
      "agent",
      "--listen",
      "127.0.0.1:0",
      "--tracker",
      tracker.url,
      "--data-dir",
      join(dir, name),
    ]);
  const [a, b] = await Promise.all([agent("a"), agent("b")]);
  return { dir, origin, url: m[1], size: Number(m[2]), sha256: m[3], a, b };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

Deno.test("dfly get through real agents: placed file, peer share, stdout, wrong digest", async () => {
  await using h = new Harness();
  const c = await cluster(h);
  const out = await h.tempDir();

  const first = await h.run("get-a", [
    "get",
    c.url,
    "-o",
    join(out, "a.bin"),
    "--agent",
    c.a.url,
    "--json",
  ]);
  assert.equal(first.code, 0, first.stderr);
  const a = JSON.parse(first.stdout);
  assert.equal(a.via, "agent");
  assert.equal(a.bytes, c.size);
  assert.equal(sha256(await Deno.readFile(join(out, "a.bin"))), c.sha256);

  const second = await h.run("get-b", [
    "get",
    c.url,
    "-o",
    join(out, "b.bin"),
    "--agent",
    c.b.url,
    "--json",
  ]);
  assert.equal(second.code, 0, second.stderr);
  const b = JSON.parse(second.stdout);
  assert.equal(b.from_peers_bytes + b.from_source_bytes, c.size);
  assert.ok(b.from_peers_bytes > 0, `agent b should pull from agent a: ${second.stdout}`);
  assert.equal(sha256(await Deno.readFile(join(out, "b.bin"))), c.sha256);

  const streamed = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "get", c.url, "-o", "-", "--agent", c.b.url, "--no-progress"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(streamed.code, 0, new TextDecoder().decode(streamed.stderr));
  assert.equal(sha256(streamed.stdout), c.sha256);

  const wrong = `sha256:${"0".repeat(64)}`;
  const bad = await h.run("get-bad", [
    "get",
    c.url,
    "-o",
    join(out, "bad.bin"),
    "--agent",
    c.a.url,
    "--digest",
    wrong,
  ]);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
  assert.match(bad.stderr, /^dfly get: digest mismatch: /);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort(), [
    "a.bin",
    "b.bin",
  ]);
});
