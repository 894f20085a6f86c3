/**
 * End-to-end checks of `dfly get` as a real process: usage errors, and the
 * direct download it falls back to when no agent listens (the `--agent`
 * address points at a closed port).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Harness, MAIN, type Proc, ROOT } from "./_harness.ts";

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const NO_AGENT = `http://127.0.0.1:${closedPort()}`;

interface Origin {
  proc: Proc;
  fileUrl: string;
  sha256: string;
  size: number;
}

async function startOrigin(h: Harness, ...extra: string[]): Promise<Origin> {
  const dir = await h.tempDir();
  const proc = await h.spawn("origin", [
    "scripts/origin.ts",
    "--size",
    "3MiB",
    "--dir",
    dir,
    ...extra,
  ]);
  const m = /origin file url=(\S+) path=\S+ size=(\d+) sha256=([0-9a-f]{64})/.exec(proc.stderr());
  assert.ok(m, proc.stderr());
  return { proc, fileUrl: m[1], size: Number(m[2]), sha256: m[3] };
}

function get(h: Harness, ...args: string[]) {
  return h.run("get", ["get", ...args], { timeoutMs: 60_000 });
}

/** Asserts a failed run: non-zero status, the last stderr line is the reason, no stack trace. */
function assertFailed(
  result: { code: number; stderr: string },
  reason: RegExp,
  code?: number,
): void {
  assert.notEqual(result.code, 0, result.stderr);
  if (code !== undefined) assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines.at(-1)!, /^dfly get: /, result.stderr);
  assert.match(lines.at(-1)!, reason);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
  assert.ok(lines.length <= 2, `at most the no-agent notice and the reason:\n${result.stderr}`);
}

async function listDir(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

Deno.test("dfly get refuses usage mistakes in one line with status 2", async () => {
  await using h = new Harness();
  const cases: [string[], RegExp][] = [
    [["--bogus"], /bogus/],
    [["-o", "out.bin"], /missing the URL/],
    [["http://127.0.0.1:1/f"], /missing -o/],
    [["ftp://example.com/f", "-o", "x"], /must start with http:\/\/ or https:\/\//],
    [["not-a-url", "-o", "x"], /not a valid URL/],
    [["http://o/f", "-o", "x", "--digest", "md5:abc"], /--digest/],
    [["http://o/f", "-o", "x", "-H", "no colon here"], /-H/],
  ];
  for (const [args, reason] of cases) {
    const result = await get(h, ...args);
    assertFailed(result, reason, 2);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  }
});

Deno.test("dfly get downloads directly from the source when no agent answers", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const dir = await h.tempDir();
  const out = join(dir, "out.bin");
  const result = await get(h, origin.fileUrl, "-o", out, "--agent", NO_AGENT, "--no-progress");
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, result.stderr);
  assert.equal(lines[0], `dfly get: no agent at ${NO_AGENT}; downloading directly from the source`);
  assert.match(
    lines[1],
    /^dfly get: 3\.0 MiB in \d+\.\d\d s \(.+\/s\), directly from the source → /,
  );
  assert.ok(lines[1].endsWith(`→ ${out}`), lines[1]);
  assert.ok(
    !result.stderr.includes("\r") && !result.stderr.includes("\x1b"),
    "no control characters without a terminal",
  );
  assert.equal(await sha256File(out), origin.sha256);
  assert.deepEqual(await listDir(dir), ["out.bin"]);
});

Deno.test("dfly get --json prints one object on stdout", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const dir = await h.tempDir();
  const result = await h.run("get", [
    "get",
    origin.fileUrl,
    "-o",
    "rel.bin",
    "--agent",
    NO_AGENT,
    "--json",
  ], {
    cwd: dir,
  });
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(json), [
    "task_id",
    "url",
    "output",
    "bytes",
    "seconds",
    "from_source_bytes",
    "from_peers_bytes",
    "via",
  ]);
  assert.match(json.task_id, /^[0-9a-f]{64}$/);
  assert.equal(json.url, origin.fileUrl);
  assert.equal(json.output, join(dir, "rel.bin"));
  assert.equal(json.bytes, origin.size);
  assert.equal(json.from_source_bytes, origin.size);
  assert.equal(json.from_peers_bytes, 0);
  assert.equal(json.via, "direct");
  assert.equal(await sha256File(join(dir, "rel.bin")), origin.sha256);
});

Deno.test("dfly get --p2p-only fails clearly without an agent", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const dir = await h.tempDir();
  const result = await get(
    h,
    origin.fileUrl,
    "-o",
    join(dir, "out.bin"),
    "--agent",
    NO_AGENT,
    "--p2p-only",
  );
  assertFailed(result, /no agent at .*--p2p-only/);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1);
  assert.deepEqual(await listDir(dir), []);
});

Deno.test("dfly get explains an unreachable source and a 404", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const dir = await h.tempDir();
  const port = closedPort();
  const unreachable = await get(
    h,
    `http://127.0.0.1:${port}/f.bin`,
    "-o",
    join(dir, "a"),
    "--agent",
    NO_AGENT,
  );
  assertFailed(
    unreachable,
    new RegExp(`^dfly get: cannot reach 127\\.0\\.0\\.1:${port}: connection refused$`),
  );
  const missing = `${origin.proc.url}/missing.bin`;
  const notFound = await get(h, missing, "-o", join(dir, "b"), "--agent", NO_AGENT);
  assertFailed(notFound, new RegExp(`^dfly get: source answered 404 Not Found for ${missing}$`));
  assert.deepEqual(await listDir(dir), []);
});

Deno.test("dfly get --digest: a mismatch fails and leaves no file, a match succeeds", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const dir = await h.tempDir();
  const wrong = `sha256:${"0".repeat(64)}`;
  const bad = await get(
    h,
    origin.fileUrl,
    "-o",
    join(dir, "out.bin"),
    "--agent",
    NO_AGENT,
    "--digest",
    wrong,
  );
  assertFailed(
    bad,
    new RegExp(`^dfly get: digest mismatch: expected ${wrong}, got sha256:${origin.sha256}$`),
  );
  assert.deepEqual(await listDir(dir), [], "neither the output nor a temp file");
  const good = await get(
    h,
    origin.fileUrl,
    "-o",
    join(dir, "out.bin"),
    "--agent",
    NO_AGENT,
    "--digest",
    `sha256:${origin.sha256.toUpperCase()}`,
  );
  assert.equal(good.code, 0, good.stderr);
  assert.equal(await sha256File(join(dir, "out.bin")), origin.sha256);
});

Deno.test("dfly get -o - writes the exact bytes to stdout", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "get", origin.fileUrl, "-o", "-", "--agent", NO_AGENT, "--json"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.equal(output.stdout.length, origin.size);
  assert.equal(createHash("sha256").update(output.stdout).digest("hex"), origin.sha256);
  // With -o -, the JSON object goes to stderr (after the no-agent notice).
  const json = JSON.parse(stderr.trimEnd().split("\n").at(-1)!);
  assert.equal(json.output, null);
  assert.equal(json.bytes, origin.size);
});

Deno.test("dfly get -H sends headers to the source", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "--require-header", "X-Secret: open sesame");
  const dir = await h.tempDir();
  const denied = await get(h, origin.fileUrl, "-o", join(dir, "out.bin"), "--agent", NO_AGENT);
  assertFailed(denied, /^dfly get: source answered 401 Unauthorized for /);
  assert.deepEqual(await listDir(dir), []);
  const allowed = await get(
    h,
    origin.fileUrl,
    "-o",
    join(dir, "out.bin"),
    "--agent",
    NO_AGENT,
    "-H",
    "X-Secret: open sesame",
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(await sha256File(join(dir, "out.bin")), origin.sha256);
});

Deno.test("dfly get notices a body shorter than its Content-Length", async () => {
  await using h = new Harness();
  // A source that promises 2000 bytes and hangs up after 1000.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(8192));
      const head = "HTTP/1.1 200 OK\r\ncontent-length: 2000\r\nconnection: close\r\n\r\n";
      await conn.write(new TextEncoder().encode(head + "x".repeat(1000)));
      conn.close();
    }
  })().catch(() => {});
  try {
    const dir = await h.tempDir();
    const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/short.bin`;
    const result = await get(h, url, "-o", join(dir, "out.bin"), "--agent", NO_AGENT);
    assertFailed(result, /^dfly get: source sent 1000 bytes, expected 2000$/);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    listener.close();
    await serving;
  }
});

Deno.test("dfly get fails before downloading when the output directory is missing", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h);
  const dir = await h.tempDir();
  const result = await get(
    h,
    origin.fileUrl,
    "-o",
    join(dir, "no", "out.bin"),
    "--agent",
    NO_AGENT,
  );
  assertFailed(result, /^dfly get: cannot write .*out\.bin: no such directory$/);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, "fails before trying the agent");
  const stats = await (await fetch(`${origin.proc.url}/_stats`)).json();
  assert.equal(stats.requests, 0);
});
