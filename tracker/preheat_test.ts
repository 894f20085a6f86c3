import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { PREHEAT_ROUTE } from "../wire_ops.ts";
import { announce, digest, host, TestTracker } from "./_test_utils.ts";
import { decidePreheat } from "./preheat.ts";

Deno.test("decidePreheat() prefers done, then running, then the least busy seed", () => {
  assert.deepEqual(decidePreheat({ done: ["d"], running: ["r"], seeds: ["s"] }), {
    action: "done",
    seed: "d",
  });
  assert.deepEqual(decidePreheat({ done: [], running: ["r"], seeds: ["s"] }), {
    action: "running",
    seed: "r",
  });
  assert.deepEqual(decidePreheat({ done: [], running: [], seeds: [] }), { action: "no_seed" });
});

Deno.test("preheat route: 409 without a seed, triggers one seed once, then reports done", async () => {
  await using t = await TestTracker.open();
  const url = "http://origin.test/big.iso";
  const id = taskId({ url, tag: "" });
  const none = await t.post(PREHEAT_ROUTE, { url, tag: "" });
  assert.equal(none.status, 409);
  assert.match(String(none.body.error), /No seed agent/);

  const seed = host(1, { seed: true });
  assert.equal((await t.post("/api/v1/heartbeat", { host: seed, tasks: null })).status, 200);
  const first = await t.post(PREHEAT_ROUTE, { url, tag: "" });
  assert.deepEqual(first.body, { taskId: id, status: "started", seed: seed.id });
  const second = await t.post(PREHEAT_ROUTE, { url, tag: "" });
  assert.deepEqual(second.body, { taskId: id, status: "running", seed: seed.id });
  assert.deepEqual(t.triggers.map((x) => [x.seed, x.request.taskId, x.request.url]), [
    [seed.id, id, url],
  ]);

  // The seed fetches it all; a third preheat is a no-op.
  const task = { id, url, tag: "", private: false };
  await t.post("/api/v1/announce", announce(seed, { task, full: true }));
  await t.post(
    "/api/v1/announce",
    announce(seed, {
      task,
      have: [0],
      source: { length: 100, etag: null, lastModified: null, digests: [[0, digest(0)]] },
      done: true,
    }),
  );
  const third = await t.post(PREHEAT_ROUTE, { url, tag: "" });
  assert.deepEqual(third.body, { taskId: id, status: "done", seed: seed.id });
  assert.equal(t.triggers.length, 1);
});

Deno.test("preheat route: a blob digest keys the task by digest; bad input is a 400", async () => {
  await using t = await TestTracker.open();
  await t.post("/api/v1/heartbeat", { host: host(1, { seed: true }), tasks: null });
  const d = `sha256:${"c".repeat(64)}`;
  const res = await t.post(PREHEAT_ROUTE, { url: "http://reg/v2/r/blobs/" + d, digest: d });
  assert.equal(res.status, 200);
  assert.notEqual(res.body.taskId, taskId({ url: "http://reg/v2/r/blobs/" + d }));
  for (const bad of [{ url: "ftp://x" }, { url: "http://x", digest: "md5:1" }, [1]]) {
    assert.equal((await t.post(PREHEAT_ROUTE, bad)).status, 400);
  }
});
