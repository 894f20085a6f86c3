import assert from "node:assert/strict";
import { type LinkSample, summarizeTimeline, timelineLines } from "./link_timeline.ts";
import type { TestbedHost } from "./netns.ts";

const hosts: TestbedHost[] = [0, 1, 2].map((index) => ({
  index,
  ns: `t-h${index}`,
  ip: `10.77.0.${index + 1}`,
  up: 1000,
  down: 1000,
}));

function sample(atMs: number, sent: number[], received: number[]): LinkSample {
  return {
    atMs,
    sent: new Map(sent.map((b, i) => [i, b])),
    received: new Map(received.map((b, i) => [i, b])),
  };
}

Deno.test("summarizeTimeline() gives each bucket's bytes as a share of the rates", () => {
  const samples = [
    sample(0, [0, 0, 0], [0, 0, 0]),
    sample(1000, [1000, 0, 0], [0, 500, 500]),
    sample(2000, [2000, 0, 0], [0, 1000, 1000]),
    // second bucket: origin idle, clients trade at half their upload rate
    sample(3000, [2000, 500, 500], [0, 1500, 1500]),
    sample(4000, [2000, 1000, 1000], [0, 2000, 2000]),
  ];
  const buckets = summarizeTimeline(samples, hosts, 2);
  assert.equal(buckets.length, 2);
  assert.deepEqual(buckets[0], {
    fromS: 0,
    toS: 2,
    originUp: 1,
    clientsUp: 0,
    clientsDown: 0.5,
  });
  assert.deepEqual(buckets[1], {
    fromS: 2,
    toS: 4,
    originUp: 0,
    clientsUp: 0.5,
    clientsDown: 0.5,
  });
  assert.deepEqual(timelineLines(samples, hosts, 2), [
    "0–2 s: origin up 100%, clients up 0%, down 50%",
    "2–4 s: origin up 0%, clients up 50%, down 50%",
  ]);
});

Deno.test("summarizeTimeline() needs two samples", () => {
  assert.deepEqual(summarizeTimeline([sample(0, [0], [0])], hosts, 1), []);
  assert.deepEqual(summarizeTimeline([], hosts, 1), []);
});
