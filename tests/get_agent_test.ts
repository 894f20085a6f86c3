/**
 * `dfly get` against a scripted stand-in for the agent's download API (in
 * this process), so get's side of the contract in wire.ts is checked on its
 * own: NDJSON progress/done/error, the output_not_writable fallback to the
 * streamed content, `-o -`, ErrorBody answers, broken streams and the token.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  AGENT_ROUTES,
  type AgentTaskSummary,
  type DownloadEvent,
  type DownloadRequest,
  TASK_ID_HEADER,
  TOKEN_HEADER,
} from "../wire.ts";
import { Harness, MAIN, ROOT } from "./_harness.ts";

const CONTENT = crypto.getRandomValues(new Uint8Array(48 * 1024));
const SHA256 = createHash("sha256").update(CONTENT).digest("hex");
const TASK = "ab".repeat(32);
const URL_ = "http://origin.invalid/file.bin";

/** How the fake agent answers a download with an output path / with output null. */
interface Script {
  place?: (req: DownloadRequest) => Response | Promise<Response>;
  stream?: (req: DownloadRequest) => Response | Promise<Response>;
  token?: string;
}

interface FakeAgent extends AsyncDisposable {
  url: string;
  requests: DownloadRequest[];
}

function ndjson(events: DownloadEvent[]): Response {
  const body = events.map((e) => JSON.stringify(e) + "\n").join("");
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

function startFakeAgent(script: Script): FakeAgent {
  const requests: DownloadRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (script.token && req.headers.get(TOKEN_HEADER) !== script.token) {
      return Response.json({ error: "Missing or wrong token", code: "unauthorized" }, {
        status: 401,
      });
    }
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === AGENT_ROUTES.downloads) {
      const body = await req.json() as DownloadRequest;
      requests.push(body);
      const handler = body.output === null ? script.stream : script.place;
      if (!handler) {
        return Response.json({ error: "not scripted", code: "internal" }, { status: 500 });
      }
      return handler(body);
    }
    if (req.method === "GET" && path === AGENT_ROUTES.task.replace(":taskId", TASK)) {
      const summary: AgentTaskSummary = {
        id: TASK,
        url: URL_,
        length: CONTENT.length,
        pieces: 1,
        pieceCount: 1,
        complete: true,
        active: false,
        fromPeers: 40_000,
        fromSource: CONTENT.length - 40_000,
        parents: 1,
      };
      return Response.json(summary);
    }
    return Response.json({ error: "no route", code: "not_found" }, { status: 404 });
  });
  const port = (server.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** The streamed content as the agent sends it for output null. */
function content(bytes: BodyInit = CONTENT, length = CONTENT.length): Response {
  return new Response(bytes, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(length),
      [TASK_ID_HEADER]: TASK,
    },
  });
}

const progress = (bytes: number): DownloadEvent => ({
  type: "progress",
  taskId: TASK,
  total: CONTENT.length,
  bytes,
  fromPeers: bytes,
  fromSource: 0,
});

function get(h: Harness, agent: string, ...args: string[]) {
  return h.run("get", ["get", URL_, "--agent", agent, ...args], { timeoutMs: 60_000 });
}

function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1)!;
}

async function listDir(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("dfly get lets the agent place the file and reports its counters", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({
    place: async (req) => {
      await Deno.writeFile(req.output!, CONTENT);
      return ndjson([progress(0), progress(16_384), {
        type: "done",
        taskId: TASK,
        total: CONTENT.length,
        fromPeers: 46_000,
        fromSource: CONTENT.length - 46_000,
        seconds: 0.2,
        output: req.output,
        via: "hardlink",
      }]);
    },
  });
  const dir = await h.tempDir();
  const result = await h.run("get", [
    "get",
    `${URL_}?sig=1`,
    "-o",
    "out.bin",
    "--agent",
    agent.url,
    "--json",
    "--digest",
    `sha256:${SHA256}`,
    "-H",
    "Authorization: Bearer x",
    "--tag",
    "v1",
    "--filter",
    "sig",
  ], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.deepEqual(agent.requests, [{
    url: `${URL_}?sig=1`,
    tag: "v1",
    filter: ["sig"],
    headers: [["Authorization", "Bearer x"]],
    digest: `sha256:${SHA256}`,
    output: join(dir, "out.bin"),
    progressMs: 5000, // no progress bar (not a terminal): few progress lines
  }]);
  const json = JSON.parse(result.stdout);
  assert.equal(json.task_id, TASK);
  assert.equal(json.via, "agent");
  assert.equal(json.bytes, CONTENT.length);
  assert.equal(json.from_peers_bytes, 46_000);
  assert.equal(json.from_source_bytes, CONTENT.length - 46_000);
});

Deno.test("dfly get prints the summary line with the peer share", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({
    place: async (req) => {
      await Deno.writeFile(req.output!, CONTENT);
      return ndjson([{
        type: "done",
        taskId: TASK,
        total: CONTENT.length,
        fromPeers: 45_000,
        fromSource: CONTENT.length - 45_000,
        seconds: 0.2,
        output: req.output,
        via: "copy",
      }]);
    },
  });
  const dir = await h.tempDir();
  const out = join(dir, "out.bin");
  const result = await get(h, agent.url, "-o", out, "--no-progress");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^dfly get: 48\.0 KiB in \d+\.\d\d s \(.*\/s\), 92% from peers → /);
  assert.ok(result.stderr.trimEnd().endsWith(`→ ${out}`), result.stderr);
});

Deno.test("dfly get passes on the agent's error event and leaves no file", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({
    place: () =>
      ndjson([progress(0), {
        type: "error",
        taskId: TASK,
        code: "source_error",
        message: `source answered 404 Not Found for ${URL_}`,
      }]),
  });
  const dir = await h.tempDir();
  const result = await get(h, agent.url, "-o", join(dir, "out.bin"));
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr, `dfly get: source answered 404 Not Found for ${URL_}\n`);
  assert.deepEqual(await listDir(dir), []);
});

Deno.test("dfly get writes the file itself when the agent cannot", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({
    place: (req) =>
      ndjson([progress(0), {
        type: "error",
        taskId: TASK,
        code: "output_not_writable",
        message: `Cannot write ${req.output}: permission denied`,
      }]),
    stream: () => content(),
  });
  const dir = await h.tempDir();
  const out = join(dir, "out.bin");
  const result = await get(h, agent.url, "-o", out, "--digest", `sha256:${SHA256}`, "--json");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(agent.requests.map((r) => r.output), [out, null]);
  assert.deepEqual(await Deno.readFile(out), CONTENT);
  assert.deepEqual(await listDir(dir), ["out.bin"]);
  const json = JSON.parse(result.stdout);
  assert.equal(json.from_peers_bytes, 40_000, "counters come from the task summary");
  assert.equal(json.output, out);
});

Deno.test("dfly get -o - streams the agent's content to stdout", async () => {
  await using agent = startFakeAgent({ stream: () => content() });
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "get", URL_, "-o", "-", "--agent", agent.url],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.deepEqual(output.stdout, CONTENT);
  assert.match(stderr, /^dfly get: 48\.0 KiB in .*, 81% from peers → stdout\n$/);
});

Deno.test("dfly get fails on a cut stream and on a digest mismatch, leaving no file", async () => {
  await using h = new Harness();
  let mode = "cut";
  await using agent = startFakeAgent({
    place: () =>
      ndjson([{ type: "error", taskId: null, code: "output_not_writable", message: "no" }]),
    stream: () => {
      if (mode !== "cut") return content();
      const half = ReadableStream.from((async function* () {
        yield CONTENT.slice(0, 20_000);
        throw new Error("agent died");
      })());
      return content(half, CONTENT.length);
    },
  });
  const dir = await h.tempDir();
  const cut = await get(h, agent.url, "-o", join(dir, "out.bin"));
  assert.notEqual(cut.code, 0);
  assert.match(lastLine(cut.stderr), /^dfly get: agent sent \d+ bytes, expected 49152$/);
  assert.deepEqual(await listDir(dir), []);
  mode = "whole";
  const wrong = `sha256:${"e".repeat(64)}`;
  const mismatch = await get(h, agent.url, "-o", join(dir, "out.bin"), "--digest", wrong);
  assert.equal(
    mismatch.stderr,
    `dfly get: digest mismatch: expected ${wrong}, got sha256:${SHA256}\n`,
  );
  assert.deepEqual(await listDir(dir), []);
});

Deno.test("dfly get explains error answers, silent agents and a wrong token", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({
    token: "s3cret",
    place: () =>
      Response.json({ error: `source answered 403 Forbidden for ${URL_}`, code: "source_error" }, {
        status: 502,
      }),
    stream: () => ndjson([progress(0)]),
  });
  const dir = await h.tempDir();
  const out = join(dir, "out.bin");
  const denied = await get(h, agent.url, "-o", out);
  assert.equal(
    denied.stderr,
    `dfly get: the agent at ${agent.url} refused the token (pass the right one with --token or DFLY_TOKEN)\n`,
  );
  const answered = await h.run("get", ["get", URL_, "--agent", agent.url, "-o", out], {
    env: { DFLY_TOKEN: "s3cret" },
  });
  assert.equal(answered.stderr, `dfly get: source answered 403 Forbidden for ${URL_}\n`);
  assert.deepEqual(await listDir(dir), []);
});

Deno.test("dfly get words the agent's digest failure as a digest mismatch", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({
    place: () =>
      ndjson([{
        type: "error",
        taskId: TASK,
        code: "digest_mismatch",
        message: "Cannot verify the downloaded file: expected sha256 0000…, got 1111…",
      }]),
  });
  const dir = await h.tempDir();
  const result = await get(
    h,
    agent.url,
    "-o",
    join(dir, "out.bin"),
    "--digest",
    `sha256:${"0".repeat(64)}`,
  );
  assert.equal(
    result.stderr,
    "dfly get: digest mismatch: cannot verify the downloaded file: expected sha256 0000…, got 1111…\n",
  );
  assert.deepEqual(await listDir(dir), []);
});

Deno.test("dfly get fails clearly when the agent stops without a done event", async () => {
  await using h = new Harness();
  await using agent = startFakeAgent({ place: () => ndjson([progress(0), progress(10)]) });
  const dir = await h.tempDir();
  const result = await get(h, agent.url, "-o", join(dir, "out.bin"));
  assert.equal(
    result.stderr,
    `dfly get: the agent at ${agent.url} failed: closed the connection before the download finished\n`,
  );
  assert.deepEqual(await listDir(dir), []);
});
