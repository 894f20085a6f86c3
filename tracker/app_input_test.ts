import assert from "node:assert/strict";
import { MAX_JSON_BODY, TOKEN_HEADER, TRACKER_ROUTES } from "../wire.ts";
import { announce, host, TASK, TestTracker } from "./_test_utils.ts";

async function expectError(res: Response, status: number, code: string): Promise<void> {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = await res.json();
  assert.equal(body.code, code, JSON.stringify(body));
  assert.equal(typeof body.error, "string");
  assert.ok(!body.error.includes("\n") && !/\bat \S+:\d+/.test(body.error), body.error);
}

Deno.test("bad input: malformed JSON and wrong types are 400s", async () => {
  await using t = await TestTracker.open();
  for (const path of [TRACKER_ROUTES.announce, TRACKER_ROUTES.heartbeat, TRACKER_ROUTES.leave]) {
    await expectError(await t.request("POST", path, "{nope"), 400, "bad_request");
    await expectError(await t.request("POST", path, "[]"), 400, "bad_request");
    await expectError(await t.request("POST", path, "null"), 400, "bad_request");
    await expectError(await t.request("POST", path, "\xff\xfe"), 400, "bad_request");
    await expectError(await t.request("POST", path), 400, "bad_request");
  }
  const bad = [
    announce(host(1), { have: [-1] }),
    announce(host(1), { digestCursor: 1.5 }),
    { ...announce(host(1)), host: { ...host(1), id: "XYZ" } },
    { ...announce(host(1)), task: { ...TASK, id: "../../etc/passwd" } },
    { ...announce(host(1)), task: { ...TASK, url: "file:///etc/passwd" } },
    { ...announce(host(1)), full: "yes" },
    { ...announce(host(1)), failed: [{ hostId: host(2).id, piece: 0, reason: "bored" }] },
    announce(host(1), {
      source: { length: 10, etag: null, lastModified: null, digests: [[0, "short"]] },
    }),
  ];
  for (const body of bad) {
    await expectError(await t.request("POST", TRACKER_ROUTES.announce, body), 400, "bad_request");
  }
  await expectError(
    await t.request("POST", TRACKER_ROUTES.heartbeat, { host: host(1), tasks: [{ id: 1 }] }),
    400,
    "bad_request",
  );
  await expectError(
    await t.request("POST", TRACKER_ROUTES.leave, { hostId: host(1).id, taskIds: ["x"] }),
    400,
    "bad_request",
  );
  assert.equal(t.state.tasks.size, 0, "nothing was applied");
});

Deno.test("bad input: heartbeat inventory of the wrong size is skipped", async () => {
  await using t = await TestTracker.open();
  await t.post(
    TRACKER_ROUTES.announce,
    announce(host(1), {
      full: true,
    }),
  );
  await t.post(
    TRACKER_ROUTES.announce,
    announce(host(1), {
      source: { length: 10, etag: null, lastModified: null, digests: [[0, "a".repeat(64)]] },
    }),
  );
  const res = await t.post(TRACKER_ROUTES.heartbeat, {
    host: host(2),
    tasks: [{ id: TASK.id, pieces: "!!not base64", done: true }, {
      id: TASK.id,
      pieces: btoa("\xff\xff"),
      done: true,
    }],
  });
  assert.equal(res.status, 200);
  assert.equal(t.state.tasks.get(TASK.id)!.peers.size, 1);
});

Deno.test("bad input: task ids, unknown routes and methods", async () => {
  await using t = await TestTracker.open();
  await expectError(await t.request("GET", "/api/v1/tasks/xyz"), 400, "bad_request");
  await expectError(await t.request("GET", `/api/v1/tasks/${"AB".repeat(32)}`), 400, "bad_request");
  await expectError(
    await t.request("GET", `/api/v1/tasks/${"ab".repeat(32)}`),
    404,
    "task_not_found",
  );
  await expectError(await t.request("GET", "/nope"), 404, "not_found");
  await expectError(await t.request("GET", TRACKER_ROUTES.announce), 404, "not_found");
  await expectError(await t.request("DELETE", TRACKER_ROUTES.tasks), 404, "not_found");
});

Deno.test("bad input: bodies over the limit are 413 whether declared or streamed", async () => {
  await using t = await TestTracker.open();
  const big = JSON.stringify({ pad: "x".repeat(MAX_JSON_BODY) });
  const declared = { "content-length": String(big.length) };
  await expectError(
    await t.request("POST", TRACKER_ROUTES.announce, big, declared),
    413,
    "too_large",
  );
  const stream = ReadableStream.from([new TextEncoder().encode(big)]);
  const res = await t.app.request(TRACKER_ROUTES.announce, {
    method: "POST",
    body: stream,
    headers: { "content-type": "application/json" },
  });
  await expectError(res, 413, "too_large");
});

Deno.test("token: every route but /healthz needs it when set", async () => {
  await using t = await TestTracker.open({ token: "s3cret" });
  const wrong = { [TOKEN_HEADER]: "nope" };
  await expectError(
    await t.request("POST", TRACKER_ROUTES.announce, announce(host(1)), wrong),
    401,
    "unauthorized",
  );
  await expectError(
    await t.request("GET", TRACKER_ROUTES.tasks, undefined, wrong),
    401,
    "unauthorized",
  );
  await expectError(await t.request("GET", "/nope", undefined, wrong), 401, "unauthorized");
  const health = await t.request("GET", "/healthz", undefined, wrong);
  assert.deepEqual([health.status, await health.json()], [200, { ok: true }]);
  const ok = await t.request("POST", TRACKER_ROUTES.announce, announce(host(1)));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});
