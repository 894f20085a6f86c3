import assert from "node:assert/strict";
import { agentReadiness } from "./readiness.ts";

Deno.test("agentReadiness() needs a tracker that answered and no shutdown", () => {
  const up = { up: ["a", "b"], down: ["c"], answered: true };
  assert.deepEqual(agentReadiness(up, false).tracker, { ok: true, detail: "2 of 3 reachable" });
  assert.equal(agentReadiness(up, true).serving.ok, false);
  assert.deepEqual(agentReadiness({ up: ["a"], down: [], answered: false }, false).tracker, {
    ok: false,
    detail: "not reached yet",
  });
  assert.deepEqual(agentReadiness({ up: [], down: ["a"], answered: true }, false).tracker, {
    ok: false,
    detail: "none reachable",
  });
});
