import assert from "node:assert/strict";
import {
  FAILURE_WINDOW_MS,
  isIsolated,
  ISOLATION_MS,
  noteFailure,
  recentFailures,
} from "./host_health.ts";

Deno.test("noteFailure() isolates on the third failure within the window", () => {
  let state = noteFailure([], 1000);
  assert.equal(state.isolatedUntil, null);
  state = noteFailure(state.times, 2000);
  assert.equal(state.isolatedUntil, null);
  state = noteFailure(state.times, 3000);
  assert.equal(state.isolatedUntil, 3000 + ISOLATION_MS);
});

Deno.test("noteFailure() forgets failures older than the window", () => {
  const state = noteFailure([0, 1], FAILURE_WINDOW_MS + 1);
  assert.deepEqual(state.times, [FAILURE_WINDOW_MS + 1]);
  assert.equal(state.isolatedUntil, null);
  assert.deepEqual(recentFailures([0, 5, 70_000], 70_001), [70_000]);
});

Deno.test("isIsolated() ends when the period is over", () => {
  assert.equal(isIsolated(null, 5), false);
  assert.equal(isIsolated(10, 9), true);
  assert.equal(isIsolated(10, 10), false);
});
