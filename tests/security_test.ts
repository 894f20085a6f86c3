/**
 * Security with real processes: `--token`/`DFLY_TOKEN` on every tracker and
 * agent route (401 otherwise, never logged); TLS on every listener with a CA
 * made here by `openssl`; source credentials (`-H`) never in logs, tracker
 * state or the agent's data dir.
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { AGENT_ROUTES, TRACKER_ROUTES } from "../wire.ts";
import { Harness } from "./_harness.ts";
import { ownStderr, waitFor } from "./_fault.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

/** Every route of `routes` with its parameters filled, and the method it takes. */
function routeRequests(routes: Record<string, string>, id: string): [string, string][] {
  return Object.values(routes).map((r) => {
    const path = r.replace(":taskId", id).replace(":index", "0");
    const post = /announce|heartbeat|leave|seed|downloads/.test(r);
    return [post ? "POST" : "GET", path];
  });
}

/** Every file below `dir`, recursively. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...filesBelow(p));
    else if (e.isFile) out.push(p);
  }
  return out;
}

Deno.test("token: every tracker and agent route needs it (401), swarm works with it, it is never logged", async () => {
  await using h = new Harness();
  const TOKEN = "tok-4d1f9c2e-never-log-me";
  const origin = await startOrigin(h, "8MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h, "--token", TOKEN, "--log-level", "debug");
  const seed = await startAgent(h, "seed", tracker.url, "--seed", "--token", TOKEN);
  // The second agent takes the token from the environment.
  const dataDir = await h.tempDir("dfly-envagent-");
  const agent = await h.spawn("envagent", [
    "agent",
    "--listen",
    "127.0.0.1:0",
    "--tracker",
    tracker.url,
    "--data-dir",
    dataDir,
    "--log-level",
    "debug",
  ], { env: { DFLY_TOKEN: TOKEN } });
  const dir = await h.tempDir();
  await getVia(h, seed.url, origin.fileUrl, `${dir}/seed.bin`, "--token", TOKEN);
  const res = await h.run("get", [
    "get",
    origin.fileUrl,
    "-o",
    `${dir}/a.bin`,
    "--agent",
    agent.url,
    "--json",
    "--no-progress",
  ], { env: { DFLY_TOKEN: TOKEN } });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(await sha256File(`${dir}/a.bin`), origin.sha256);
  assert.ok(JSON.parse(res.stdout).from_peers_bytes > 0, "the token-carrying agents traded pieces");

  const checks: [string, string, string][] = [
    ...routeRequests(TRACKER_ROUTES, id).map(([m, p]) =>
      [tracker.url, m, p] as [string, string, string]
    ),
    ...routeRequests(AGENT_ROUTES, id).map(([m, p]) =>
      [agent.url, m, p] as [string, string, string]
    ),
    ...routeRequests(AGENT_ROUTES, id).map(([m, p]) =>
      [seed.url, m, p] as [string, string, string]
    ),
  ];
  let refused = 0;
  for (const [base, method, path] of checks) {
    if (path === TRACKER_ROUTES.dashboard) continue; // a static page that holds no data
    for (const given of [null, "wrong", `${TOKEN}x`, TOKEN.slice(1)]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (given !== null) headers["x-dfly-token"] = given;
      const r = await fetch(`${base}${path}`, {
        method,
        headers,
        body: method === "POST" ? "{}" : undefined,
      });
      const body = await r.text();
      assert.equal(r.status, 401, `${method} ${base}${path} with ${given}: ${r.status} ${body}`);
      assert.ok(!body.includes(TOKEN), "the answer does not echo the token");
      refused++;
    }
  }
  // With the token, a read route answers.
  const ok = await fetch(`${tracker.url}/api/v1/tasks/${id}`, {
    headers: { "x-dfly-token": TOKEN },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  for (const p of [tracker, seed, agent]) {
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200);
    assert.ok(!p.stderr().includes(TOKEN), `${p.name} logged the token`);
  }
  assert.ok(!res.stderr.includes(TOKEN) && !res.stdout.includes(TOKEN));
  console.log(`token: ${refused} requests without the right token refused with 401`);
});

Deno.test("get: a wrong token fails clearly instead of downloading behind the agent's back", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "1MiB");
  const tracker = await startTracker(h, "--token", "right");
  const agent = await startAgent(h, "agent", tracker.url, "--token", "right");
  const dir = await h.tempDir();
  const res = await h.run("get", [
    "get",
    origin.fileUrl,
    "-o",
    `${dir}/x.bin`,
    "--agent",
    agent.url,
    "--no-progress",
    "--token",
    "wrong",
  ]);
  assert.notEqual(res.code, 0);
  assert.match(ownStderr(res.stderr), /^dfly get: .*(token|401)/i);
  assert.equal(ownStderr(res.stderr).split("\n").length, 1);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  assert.equal(await origin.bytesSent(), 0);
});

/** Makes a CA and a certificate for 127.0.0.1/localhost signed by it, with openssl. */
async function makeCa(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
    assert.ok(out.success, `openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=dfly test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await run(["req", ...ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"]);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  await run([
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "srv.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
  return { ca: `${dir}/ca.pem`, cert: `${dir}/srv.pem`, key: `${dir}/srv.key` };
}

Deno.test("TLS: tracker, seed and agents serve HTTPS with a test CA; peers, tracker and get use it", async () => {
  await using h = new Harness();
  const pki = await makeCa(await h.tempDir("dfly-pki-"));
  const tls = ["--tls-cert", pki.cert, "--tls-key", pki.key, "--ca", pki.ca];
  const origin = await startOrigin(h, "12MiB");
  const tracker = await startTracker(h, ...tls);
  assert.match(tracker.url, /^https:\/\//);
  const seed = await startAgent(h, "seed", tracker.url, "--seed", ...tls);
  const a = await startAgent(h, "a", tracker.url, ...tls);
  const b = await startAgent(h, "b", tracker.url, ...tls);
  assert.match(a.url, /^https:\/\//);
  const dir = await h.tempDir();
  const first = await getVia(h, a.url, origin.fileUrl, `${dir}/a.bin`, "--ca", pki.ca);
  const second = await getVia(h, b.url, origin.fileUrl, `${dir}/b.bin`, "--ca", pki.ca);
  assert.equal(await sha256File(`${dir}/a.bin`), origin.sha256);
  assert.equal(await sha256File(`${dir}/b.bin`), origin.sha256);
  assert.equal(first.from_source_bytes, 0, "the seed (triggered over HTTPS) fetched the source");
  assert.equal(second.from_peers_bytes, origin.size, "pieces travelled between agents over HTTPS");

  // Plain HTTP to a TLS listener gets nothing useful; HTTPS without the CA is refused.
  const plain = await fetch(tracker.url.replace("https:", "http:") + "/healthz")
    .then((r) => r.status, () => 0);
  assert.notEqual(plain, 200);
  await assert.rejects(fetch(`${a.url}/healthz`));
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(pki.ca)] });
  const healthy = await fetch(`${a.url}/healthz`, { client });
  assert.equal(healthy.status, 200);
  await healthy.body?.cancel();
  client.close();

  // dfly get without the CA does not trust the agent, and says so rather than quietly
  // downloading around it.
  const sentBefore = await origin.bytesSent();
  const res = await h.run("get", [
    "get",
    origin.fileUrl,
    "-o",
    `${dir}/c.bin`,
    "--agent",
    a.url,
    "--no-progress",
  ]);
  assert.notEqual(res.code, 0);
  assert.equal(ownStderr(res.stderr).split("\n").length, 1, res.stderr);
  assert.match(res.stderr, /TLS/);
  assert.equal(await origin.bytesSent(), sentBefore, "no direct download behind the agent's back");
  console.log(`TLS: without --ca: ${res.stderr.trim()}`);
  for (const p of [tracker, seed, a, b]) assert.doesNotMatch(p.stderr(), /ERROR|^\s+at /m);
});

Deno.test("credentials: -H headers reach the source only — not logs, tracker state or the agent's disk", async () => {
  await using h = new Harness();
  const SECRET = "Bearer cred-9b7e1a-top-secret";
  const origin = await startOrigin(h, "8MiB", "--require-header", `Authorization: ${SECRET}`);
  const tracker = await startTracker(h, "--log-level", "debug");
  const seed = await startAgent(h, "seed", tracker.url, "--seed", "--log-level", "debug");
  const a = await startAgent(h, "a", tracker.url, "--log-level", "debug");
  const b = await startAgent(h, "b", tracker.url, "--log-level", "debug");
  const dir = await h.tempDir();
  const auth = ["-H", `Authorization: ${SECRET}`];
  await getVia(h, a.url, origin.fileUrl, `${dir}/a.bin`, ...auth);
  const second = await getVia(h, b.url, origin.fileUrl, `${dir}/b.bin`, ...auth);
  assert.equal(await sha256File(`${dir}/b.bin`), origin.sha256);
  assert.ok(second.from_peers_bytes > 0, "peers still share the verified bytes");

  const tracked = await (await fetch(`${tracker.url}/api/v1/tasks`)).text();
  const hosts = await (await fetch(`${tracker.url}/api/v1/hosts`)).text();
  const needle = "cred-9b7e1a";
  assert.ok(!tracked.includes(needle) && !hosts.includes(needle), "tracker answers");
  for (const p of [tracker, seed, a, b]) assert.ok(!p.stderr().includes(needle), `${p.name} log`);
  await new Promise((r) => setTimeout(r, 500)); // let the tracker's write-behind flush
  const dbDir = tracker.db.replace(/^file:/, "").replace(/\/[^/]+$/, "");
  const stores = [dbDir, a.dataDir, b.dataDir, seed.dataDir];
  for (const file of stores.flatMap(filesBelow)) {
    if (file.endsWith("/data")) continue; // file content
    const bytes = await Deno.readFile(file);
    assert.ok(!new TextDecoder().decode(bytes).includes(needle), `${file} holds the credential`);
  }
});

Deno.test("seed route: a seed takes fetch requests only from its tracker (or with the token)", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "1MiB");
  const body = JSON.stringify({
    taskId: taskId({ url: origin.fileUrl, tag: "", filter: [] }),
    url: origin.fileUrl,
    tag: "",
  });
  const post = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/v1/seed`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  // Its tracker lives elsewhere (10.255.255.1): a caller on this host is just some peer.
  const elsewhere = await startAgent(h, "seed", "http://10.255.255.1:8002", "--seed");
  const refused = await post(elsewhere.url);
  assert.equal(refused.status, 403);
  assert.match((await refused.json()).error, /tracker only/);
  // With --token the token decides, wherever the tracker is.
  const tokened = await startAgent(
    h,
    "tokened",
    "http://10.255.255.1:8002",
    "--seed",
    "--token",
    "t0k",
  );
  assert.equal((await post(tokened.url)).status, 401);
  const accepted = await post(tokened.url, { "x-dfly-token": "t0k" });
  assert.equal(accepted.status, 202);
  await accepted.body?.cancel();
  await waitFor(
    "the seed to fetch from the origin",
    async () => await origin.bytesSent() > 0,
    15_000,
  );
});
