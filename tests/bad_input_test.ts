/**
 * Bad input against real tracker and agent processes: every route answers
 * malformed JSON, wrong types, huge bodies, unknown and non-hex ids,
 * negative and huge piece indexes, traversal (plain, encoded, absolute) and
 * oversized headers with a 4xx and a one-line message; the processes keep
 * running and what they stored is intact afterwards.
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { rawRequest } from "./_fault.ts";
import { getVia, startAgent, startOrigin, startTracker } from "./_swarm.ts";

/** One bad request and the statuses that are acceptable answers. */
interface Case {
  name: string;
  method: string;
  path: string;
  body?: string | Uint8Array;
  headers?: string[];
  expect: number[];
}

const UNKNOWN = "ab".repeat(32);
const HUGE = new TextEncoder().encode(`{"x":"${"a".repeat(2 * 2 ** 20)}"}`);
const host = { id: "0".repeat(32), addr: "127.0.0.1:9", idc: "", seed: false, uploads: 0 };

function jsonCases(path: string, good: unknown): Case[] {
  const post = (name: string, body: string | Uint8Array, expect = [400]): Case => ({
    name: `${path} ${name}`,
    method: "POST",
    path,
    body,
    expect,
  });
  const mutate = (f: (o: Record<string, unknown>) => void) => {
    const o = structuredClone(good) as Record<string, unknown>;
    f(o);
    return JSON.stringify(o);
  };
  return [
    post("malformed JSON", "{"),
    post("not an object", "[]"),
    post("a string", '"hi"'),
    post("null", "null"),
    post("invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
    post("empty body", ""),
    post("huge body", HUGE, [413]),
    post(
      "every field a number",
      mutate((o) => {
        for (const k of Object.keys(o)) o[k] = 1;
      }),
    ),
    post("every field missing", "{}"),
    post(
      "non-hex id",
      mutate((o) => {
        if ("task" in o) (o.task as Record<string, unknown>).id = "../../etc/passwd";
        else if ("taskId" in o) o.taskId = "../../etc/passwd";
        else if ("hostId" in o) o.hostId = "ZZ";
        else if ("host" in o) o.host = { ...(o.host as object), id: "../../etc/passwd" };
        else o.url = "file:///etc/passwd";
      }),
    ),
  ];
}

function getCases(paths: string[], expect = [400, 404]): Case[] {
  return paths.map((path) => ({ name: `GET ${path}`, method: "GET", path, expect }));
}

const TRAVERSAL = [
  "/../../../../etc/passwd",
  "/api/v1/tasks/../../../etc/passwd",
  "/api/v1/tasks/..%2f..%2f..%2fetc%2fpasswd",
  "/api/v1/tasks/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/api/v1/tasks/%252e%252e%252fetc%252fpasswd",
  "/api/v1/tasks/%2Fetc%2Fpasswd",
  "/api/v1/tasks//etc/passwd",
  "/api/v1/tasks/..\\..\\etc\\passwd",
  "/api/v1/tasks/%00",
  `/api/v1/tasks/${UNKNOWN}`,
  `/api/v1/tasks/${UNKNOWN.toUpperCase()}`,
  "/api/v1/tasks/zz",
];

function pieceCases(id: string): Case[] {
  return getCases([
    `/api/v1/pieces/${id}/-1`,
    `/api/v1/pieces/${id}/99999999999999999999`,
    `/api/v1/pieces/${id}/1e3`,
    `/api/v1/pieces/${id}/0x1`,
    `/api/v1/pieces/${id}/2`,
    `/api/v1/pieces/${id}/999999`,
    `/api/v1/pieces/${id}/%2e%2e`,
    `/api/v1/pieces/${UNKNOWN}/0`,
    "/api/v1/pieces/zz/0",
    "/api/v1/pieces/../tasks/0",
    `/api/v1/pieces/..%2f..%2f${id}%2fdata/0`,
    `/api/v1/pieces/${id}/0/../../../meta.json`,
    "/api/v1/pieces/%2fetc%2fpasswd/0",
    `/api/v1/pieces/${id}/`,
  ]);
}

/** Sends `c` and checks the answer: an expected 4xx with a one-line JSON error. */
async function check(base: string, c: Case): Promise<void> {
  const head = [`${c.method} ${c.path} HTTP/1.1`, `host: x`, ...(c.headers ?? [])];
  if (c.body !== undefined) head.push("content-type: application/json");
  const res = await rawRequest(base, head.join("\r\n"), c.body ?? "");
  assert.ok(
    c.expect.includes(res.status),
    `${c.name}: expected ${c.expect.join("/")}, got ${res.status} ${res.body.slice(0, 200)}`,
  );
  const body = res.body.replace(/^[0-9a-f]+\r\n/, "").replace(/\r\n0\r\n\r\n$/, "").trim();
  if (body.startsWith("{")) {
    const json = JSON.parse(body);
    assert.equal(typeof json.error, "string", `${c.name}: ${body}`);
    assert.ok(!json.error.includes("\n") && json.error.length < 300, `${c.name}: ${json.error}`);
    assert.doesNotMatch(json.error, /\bat .*\.ts:\d+/, `${c.name}: stack trace`);
  }
}

Deno.test("bad input: every tracker and agent route refuses with a one-line 4xx; nothing breaks or is lost", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "8MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h);
  const seed = await startAgent(h, "seed", tracker.url, "--seed");
  const agent = await startAgent(h, "agent", tracker.url);
  const dir = await h.tempDir();
  await getVia(h, agent.url, origin.fileUrl, `${dir}/out.bin`);
  const taskBefore = await (await fetch(`${tracker.url}/api/v1/tasks/${id}`)).json();
  const pieceBefore = new Uint8Array(
    await (await fetch(`${agent.url}/api/v1/pieces/${id}/1`)).arrayBuffer(),
  );

  const announce = {
    host,
    task: { id, url: origin.fileUrl, tag: "", private: false },
    have: [],
    full: true,
    digestCursor: 0,
    source: null,
    sourceError: null,
    failed: [],
    done: false,
  };
  const bigHeader = [`x-filler: ${"a".repeat(64 * 1024)}`];
  const manyHeaders = Array.from({ length: 2000 }, (_, i) => `x-h${i}: v`);
  const common = (route: string): Case[] => [
    {
      name: `${route} oversized header`,
      method: "GET",
      path: route,
      headers: bigHeader,
      expect: [400, 431],
    },
    {
      name: `${route} 2000 headers`,
      method: "GET",
      path: route,
      headers: manyHeaders,
      expect: [200, 400, 431],
    },
    { name: `${route} wrong method`, method: "DELETE", path: route, expect: [404, 405] },
  ];
  const trackerCases: Case[] = [
    ...jsonCases("/api/v1/announce", announce),
    {
      name: "announce with negative and huge piece indexes",
      method: "POST",
      path: "/api/v1/announce",
      body: JSON.stringify({ ...announce, have: [-1, 2 ** 53, 1e300] }),
      expect: [400],
    },
    {
      name: "announce with an absurd length",
      method: "POST",
      path: "/api/v1/announce",
      body: JSON.stringify({
        ...announce,
        task: { ...announce.task, id: UNKNOWN },
        source: { length: 2 ** 60, etag: null, lastModified: null, digests: [] },
      }),
      expect: [400],
    },
    ...jsonCases("/api/v1/heartbeat", { host, tasks: null }),
    ...jsonCases("/api/v1/leave", { hostId: host.id, taskIds: [id] }),
    ...getCases(TRAVERSAL),
    ...getCases([
      `/api/v1/tasks/${id}/pieces?rows=-1`,
      `/api/v1/tasks/${id}/pieces?rows=99999999999&cols=abc`,
      `/api/v1/tasks/${UNKNOWN}/pieces`,
    ], [200, 400, 404]),
    ...common("/api/v1/tasks"),
  ];
  const agentCases: Case[] = [
    ...pieceCases(id),
    ...jsonCases("/api/v1/downloads", {
      url: "http://127.0.0.1:9/x",
      tag: "",
      filter: [],
      headers: [],
      digest: null,
      output: `${dir}/never.bin`,
    }),
    {
      name: "download with a relative output path",
      method: "POST",
      path: "/api/v1/downloads",
      body: JSON.stringify({
        url: origin.fileUrl,
        tag: "",
        filter: [],
        headers: [],
        digest: null,
        output: "../../etc/passwd",
      }),
      expect: [400],
    },
    {
      name: "download with a header injection",
      method: "POST",
      path: "/api/v1/downloads",
      body: JSON.stringify({
        url: origin.fileUrl,
        tag: "",
        filter: [],
        headers: [["x-a", "b\r\nhost: evil"]],
        digest: null,
        output: `${dir}/x.bin`,
      }),
      expect: [400],
    },
    {
      name: "seed on an agent that is not a seed",
      method: "POST",
      path: "/api/v1/seed",
      body: JSON.stringify({ taskId: id, url: origin.fileUrl, tag: "" }),
      expect: [403],
    },
    ...getCases(TRAVERSAL),
    ...common("/api/v1/tasks"),
  ];
  const seedCases: Case[] = jsonCases("/api/v1/seed", {
    taskId: UNKNOWN,
    url: "http://127.0.0.1:9/x",
    tag: "",
  });

  for (const c of trackerCases) await check(tracker.url, c);
  for (const c of agentCases) await check(agent.url, c);
  for (const c of seedCases) await check(seed.url, c);

  // Still running, and what was stored is intact.
  for (const p of [tracker, seed, agent]) {
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200, `${p.name} alive`);
  }
  const taskAfter = await (await fetch(`${tracker.url}/api/v1/tasks/${id}`)).json();
  assert.equal(taskAfter.length, taskBefore.length);
  assert.equal(taskAfter.digests, taskBefore.digests);
  const pieceAfter = new Uint8Array(
    await (await fetch(`${agent.url}/api/v1/pieces/${id}/1`)).arrayBuffer(),
  );
  assert.deepEqual(pieceAfter, pieceBefore);
  for (const p of [tracker, seed, agent]) {
    assert.doesNotMatch(p.stderr(), /^\s+at /m, `${p.name} logged a stack trace`);
  }
});
