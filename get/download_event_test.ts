import assert from "node:assert/strict";
import { WireError } from "../errors.ts";
import { parseDownloadEvent, parseTaskCounters } from "./download_event.ts";

Deno.test("parseDownloadEvent() reads the three event types", () => {
  const progress = {
    type: "progress",
    taskId: "t",
    total: null,
    bytes: 5,
    fromPeers: 3,
    fromSource: 2,
  };
  assert.deepEqual(parseDownloadEvent(progress), progress);
  const done = {
    type: "done",
    taskId: "t",
    total: 5,
    fromPeers: 3,
    fromSource: 2,
    seconds: 0.5,
    output: "/x",
    via: "hardlink",
  };
  assert.deepEqual(parseDownloadEvent(done), done);
  const error = { type: "error", taskId: null, code: "output_not_writable", message: "no" };
  assert.deepEqual(parseDownloadEvent(error), error);
});

Deno.test("parseDownloadEvent() refuses malformed events", () => {
  for (
    const bad of [
      null,
      [],
      { type: "other" },
      { type: "progress", taskId: "t", total: 1, bytes: -1, fromPeers: 0, fromSource: 0 },
      {
        type: "done",
        taskId: "t",
        total: 1,
        fromPeers: 0,
        fromSource: 0,
        seconds: 1,
        output: null,
        via: "x",
      },
      { type: "error", taskId: null, code: 1, message: "m" },
    ]
  ) {
    assert.throws(() => parseDownloadEvent(bad), WireError, JSON.stringify(bad));
  }
});

Deno.test("parseTaskCounters() reads fromPeers and fromSource", () => {
  assert.deepEqual(parseTaskCounters({ id: "x", fromPeers: 1, fromSource: 2, complete: true }), {
    fromPeers: 1,
    fromSource: 2,
  });
  assert.throws(() => parseTaskCounters({ fromPeers: "1" }), WireError);
});
