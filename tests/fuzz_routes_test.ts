/**
 * A bounded fuzz run (a few seconds, seeded so a failure can be replayed):
 * random and mutated requests against every route of a real tracker, a real
 * seed agent and a real agent. Asserts no 5xx, no crash, no file created or
 * changed outside the data dirs, and no byte of a file outside them served.
 * `DFLY_FUZZ_SEED` and `DFLY_FUZZ_MS` replay or lengthen a run.
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { AGENT_ROUTES, TRACKER_ROUTES } from "../wire.ts";
import { Harness } from "./_harness.ts";
import { rawRequest } from "./_fault.ts";
import { getVia, startAgent, startOrigin, startTracker } from "./_swarm.ts";

/** mulberry32: a tiny seeded generator, so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lists every file below `dir` with its size and mtime. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else {
        const s = await Deno.lstat(p);
        out.set(p, `${s.size}:${s.mtime?.getTime()}`);
      }
    }
  };
  await walk(dir);
  return out;
}

Deno.test("fuzz: random and mutated requests on every route — no 5xx, no crash, nothing outside the data dirs touched", async () => {
  const seed = Number(Deno.env.get("DFLY_FUZZ_SEED") ?? Date.now() % 1e9);
  const budgetMs = Number(Deno.env.get("DFLY_FUZZ_MS") ?? 4000);
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

  await using h = new Harness();
  // A file outside every data dir that traversal attempts aim at.
  const outside = await h.tempDir("dfly-outside-");
  const SECRET = `secret-${seed}-do-not-serve`;
  await Deno.writeTextFile(`${outside}/secret.txt`, SECRET);

  const origin = await startOrigin(h, "6MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h);
  const seedAgent = await startAgent(h, "seed", tracker.url, "--seed");
  const agent = await startAgent(h, "agent", tracker.url);
  const out = await h.tempDir();
  await getVia(h, agent.url, origin.fileUrl, `${out}/good.bin`);
  const before = await snapshot(outside);

  const ids = [
    id,
    "ab".repeat(32),
    "zz",
    "",
    "../../secret.txt",
    `..%2f..%2f..%2f${outside.slice(1).replaceAll("/", "%2f")}%2fsecret.txt`,
    `%2f${outside.slice(1).replaceAll("/", "%2f")}%2fsecret.txt`,
    "%00",
    "A".repeat(5000),
    id.toUpperCase(),
  ];
  const numbers = ["0", "1", "-1", "99999999999999999999", "1e9", "NaN", "0x10", "%2e%2e", ""];
  const fill = (route: string) =>
    route.replace(":taskId", () => pick(ids)).replace(":index", () => pick(numbers));
  const routes = [
    ...Object.values(TRACKER_ROUTES).map((r) => ({ base: tracker.url, route: r })),
    ...Object.values(AGENT_ROUTES).map((r) => ({ base: agent.url, route: r })),
    ...Object.values(AGENT_ROUTES).map((r) => ({ base: seedAgent.url, route: r })),
    { base: tracker.url, route: "/healthz" },
    { base: agent.url, route: "/healthz" },
  ];
  const host = { id: "1".repeat(32), addr: "127.0.0.1:9", idc: "", seed: false, uploads: 0 };
  const bodies: unknown[] = [
    {
      host,
      task: { id, url: origin.fileUrl, tag: "", private: false },
      have: [0],
      full: false,
      digestCursor: 0,
      source: null,
      sourceError: null,
      failed: [],
      done: false,
    },
    { host, tasks: [{ id, pieces: "AA==", done: false }] },
    { hostId: host.id, taskIds: [id] },
    { taskId: "cd".repeat(32), url: "http://127.0.0.1:9/nothing", tag: "" },
    {
      url: "http://127.0.0.1:9/nothing",
      tag: "",
      filter: [],
      headers: [],
      digest: null,
      output: `${outside}/written.bin`,
    },
  ];
  const weird: unknown[] = [
    null,
    true,
    -1,
    2 ** 53,
    1e308,
    "",
    "x".repeat(3000),
    [],
    {},
    [[]],
    "../../etc/passwd",
    `${outside}/secret.txt`,
    "file:///etc/passwd",
    { __proto__: { polluted: 1 } },
  ];
  /** Replaces one random leaf of `value` with something weird. */
  const mutate = (value: unknown, depth = 0): unknown => {
    if (depth > 4 || value === null || typeof value !== "object" || random() < 0.25) {
      return pick(weird);
    }
    const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
    const keys = Object.keys(copy);
    if (keys.length === 0) return pick(weird);
    const key = pick(keys);
    if (random() < 0.1) delete copy[key];
    else copy[key] = mutate(copy[key], depth + 1);
    return copy;
  };
  const bodyBytes = (): string | Uint8Array => {
    const r = random();
    if (r < 0.6) return JSON.stringify(mutate(pick(bodies)));
    if (r < 0.75) {
      const text = JSON.stringify(pick(bodies));
      return text.slice(0, Math.floor(random() * text.length));
    }
    if (r < 0.9) {
      const bytes = new TextEncoder().encode(JSON.stringify(pick(bodies)));
      for (let i = 0; i < 4; i++) bytes[Math.floor(random() * bytes.length)] = random() * 256;
      return bytes;
    }
    return crypto.getRandomValues(new Uint8Array(Math.floor(random() * 2048)));
  };

  const noAnswer: string[] = [];
  let sent = 0;
  const statuses = new Map<number, number>();
  const deadline = Date.now() + budgetMs;
  const one = async () => {
    const { base, route } = pick(routes);
    const method = pick(["GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]);
    let path = fill(route);
    if (random() < 0.2) path += pick(["?rows=-5&cols=1e9", "?x=%ff", "/..", "//", "?rows=abc"]);
    const headers = ["host: x"];
    if (random() < 0.3) headers.push(`x-dfly-token: ${pick(["", "wrong", "\u00ff"])}`);
    if (random() < 0.2) headers.push(`content-type: ${pick(["text/plain", "application/json"])}`);
    const body = method === "POST" || random() < 0.1 ? bodyBytes() : "";
    // A download that streams its content waits for the source (seed grace, retries).
    const timeoutMs = route === AGENT_ROUTES.downloads ? 20_000 : 3000;
    const head = [`${method} ${path} HTTP/1.1`, ...headers].join("\r\n");
    const res = await rawRequest(base, head, body, timeoutMs);
    sent++;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const what = `seed ${seed}: ${method} ${base}${path} ${typeof body === "string" ? body : ""}`;
    if (res.status === 0) noAnswer.push(what);
    // 502 is the one 5xx allowed: a download whose source (here: nothing) cannot be reached.
    const sourceDown = res.status === 502 && /"code":"source_error"/.test(res.body);
    assert.ok(res.status < 500 || sourceDown, `${what} answered ${res.status}: ${res.body}`);
    assert.ok(!res.body.includes(SECRET), `${what} served a file outside the data dir`);
  };
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (Date.now() < deadline) await one();
  }));
  console.log(
    `fuzz seed ${seed}: ${sent} requests in ${budgetMs} ms; statuses ${
      JSON.stringify(Object.fromEntries(statuses))
    }`,
  );

  assert.deepEqual(noAnswer, [], "closed without an answer");
  for (const p of [tracker, seedAgent, agent]) {
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200, `${p.name} still alive`);
    assert.doesNotMatch(p.stderr(), /^\s+at /m, `${p.name} logged a stack trace`);
  }
  assert.deepEqual(await snapshot(outside), before, "nothing outside the data dirs changed");
  // The good task is still whole.
  const task = await (await fetch(`${agent.url}/api/v1/tasks/${id}`)).json();
  assert.equal(task.complete, true);
  const again = await getVia(h, agent.url, origin.fileUrl, `${out}/again.bin`);
  assert.equal(again.bytes, origin.size);
});
