import assert from "node:assert/strict";
import { canonicalUrl, isTaskId, taskId } from "./task_id.ts";

Deno.test("taskId() is a stable sha256 hex string", () => {
  const id = taskId({ url: "http://origin/file.bin" });
  assert.ok(isTaskId(id));
  assert.equal(id, taskId({ url: "http://origin/file.bin", tag: "" }));
});

Deno.test("taskId() ignores filtered query params but keeps the others", () => {
  const a = taskId({ url: "http://o/f?v=1&sig=aaa&t=5", filter: ["sig", "t"] });
  const b = taskId({ url: "http://o/f?sig=bbb&v=1", filter: ["sig", "t"] });
  assert.equal(a, b);
  const c = taskId({ url: "http://o/f?v=2&sig=aaa", filter: ["sig"] });
  assert.notEqual(a, c);
  // Without the filter the signature is part of the identity.
  assert.notEqual(taskId({ url: "http://o/f?sig=1" }), taskId({ url: "http://o/f?sig=2" }));
});

Deno.test("taskId() separates tags and ignores fragments", () => {
  assert.notEqual(taskId({ url: "http://o/f", tag: "a" }), taskId({ url: "http://o/f", tag: "b" }));
  assert.equal(taskId({ url: "http://o/f#x" }), taskId({ url: "http://o/f" }));
});

Deno.test("canonicalUrl() keeps parameter order and refuses non-URLs", () => {
  assert.equal(canonicalUrl("http://o/f?b=2&a=1&c=3", ["a"]), "http://o/f?b=2&c=3");
  assert.equal(canonicalUrl("http://o/f?a=1", ["a"]), "http://o/f");
  assert.throws(() => canonicalUrl("not a url"), TypeError);
});

Deno.test("isTaskId() accepts only 64 lowercase hex characters", () => {
  assert.ok(isTaskId("a".repeat(64)));
  for (const bad of ["", "A".repeat(64), "a".repeat(63), "../etc/passwd", "g".repeat(64)]) {
    assert.equal(isTaskId(bad), false);
  }
});
