/**
 * End-to-end checks of `dfly tracker` as a real process: it serves an
 * announce over HTTP, saves its state on SIGTERM and exits 0, knows the task
 * again after a restart on the same db, and reports usage errors in one line.
 */
import assert from "node:assert/strict";
import { Harness, type Proc } from "./_harness.ts";
import { parseAnnounceResponse, TOKEN_HEADER, TRACKER_ROUTES } from "../wire.ts";

const TASK_ID = "ef".repeat(32);
const HOST = { id: "0a".repeat(16), addr: "127.0.0.1:65002", idc: "", seed: false, uploads: 0 };
const TOKEN = "e2e-secret";

function post(proc: Proc, path: string, body: unknown, token = TOKEN): Promise<Response> {
  return fetch(proc.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", [TOKEN_HEADER]: token },
    body: JSON.stringify(body),
  });
}

Deno.test("dfly tracker serves announces and keeps tasks across a restart", async () => {
  await using h = new Harness();
  const dir = await h.tempDir();
  const args = ["tracker", "--listen", "127.0.0.1:0", "--db", `file:${dir}/sub/t.db`];
  const env = { DFLY_TOKEN: TOKEN };
  const first = await h.spawn("tracker", args, { env });

  const denied = await post(first, TRACKER_ROUTES.announce, {}, "wrong");
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const res = await post(first, TRACKER_ROUTES.announce, {
    host: HOST,
    task: { id: TASK_ID, url: "http://origin.test/a.bin", tag: "", private: false },
    have: [],
    full: true,
    digestCursor: 0,
    source: null,
    sourceError: null,
    failed: [],
    done: false,
  });
  assert.equal(res.status, 200);
  const answer = parseAnnounceResponse(await res.json());
  assert.equal(answer.backToSource, true, "no seed: the first peer goes to the source");

  await first.kill("SIGTERM");
  assert.equal((await first.status).code, 0, first.stderr());
  assert.match(first.stderr(), /state saved/);

  const second = await h.spawn("tracker", args, { env });
  const detail = await fetch(`${second.url}/api/v1/tasks/${TASK_ID}`, {
    headers: { [TOKEN_HEADER]: TOKEN },
  });
  assert.equal(detail.status, 200);
  const task = await detail.json();
  assert.equal(task.url, "http://origin.test/a.bin");
  assert.deepEqual(
    task.peerList.map((p: { hostId: string; source: boolean }) => [p.hostId, p.source]),
    [[HOST.id, true]],
  );
  const health = await fetch(`${second.url}/healthz`);
  assert.deepEqual(await health.json(), { ok: true });
  await second.kill("SIGINT");
  assert.equal((await second.status).code, 0, second.stderr());
});

Deno.test("dfly tracker --help prints usage; bad flags fail in one line", async () => {
  await using h = new Harness();
  const help = await h.run("help", ["tracker", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: dfly tracker/);
  assert.match(help.stdout, /--peer-ttl/);

  for (
    const bad of [
      ["--bogus"],
      ["--peer-ttl", "forever"],
      ["--source-peers", "many"],
      ["--db", "/no/scheme.db"],
    ]
  ) {
    const out = await h.run("bad", ["tracker", ...bad]);
    assert.equal(out.code, 2, out.stderr);
    const lines = out.stderr.trim().split("\n");
    assert.equal(lines.length, 1, out.stderr);
    assert.match(lines[0], /^dfly tracker: /);
  }
});
