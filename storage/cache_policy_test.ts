import assert from "node:assert/strict";
import { type CachedTaskView, chooseEvictions } from "./cache_policy.ts";

const task = (id: string, o: Partial<CachedTaskView> = {}): CachedTaskView => ({
  id,
  length: 100,
  lastAccess: 0,
  complete: true,
  inUse: false,
  ...o,
});

Deno.test("chooseEvictions() removes expired tasks, then LRU until under quota", () => {
  const tasks = [
    task("new", { lastAccess: 900 }),
    task("old", { lastAccess: 100 }),
    task("mid", { lastAccess: 500 }),
    task("older", { lastAccess: 50 }),
  ];
  assert.deepEqual(chooseEvictions(tasks, { now: 1000, ttlMs: 800, quota: 0 }), [
    { id: "older", reason: "expired" },
    { id: "old", reason: "expired" },
  ]);
  assert.deepEqual(chooseEvictions(tasks, { now: 1000, ttlMs: 0, quota: 250 }), [
    { id: "older", reason: "quota" },
    { id: "old", reason: "quota" },
  ]);
  assert.deepEqual(chooseEvictions(tasks, { now: 1000, ttlMs: 920, quota: 150 }), [
    { id: "older", reason: "expired" },
    { id: "old", reason: "quota" },
    { id: "mid", reason: "quota" },
  ]);
});

Deno.test("chooseEvictions() never removes unfinished or used tasks, even over quota", () => {
  const tasks = [
    task("partial", { complete: false }),
    task("busy", { inUse: true }),
    task("free", { lastAccess: 10 }),
  ];
  assert.deepEqual(chooseEvictions(tasks, { now: 10_000, ttlMs: 1, quota: 50 }), [
    { id: "free", reason: "expired" },
  ]);
  assert.deepEqual(chooseEvictions(tasks, { now: 0, ttlMs: 0, quota: 0 }), []);
});
