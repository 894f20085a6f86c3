import assert from "node:assert/strict";
import { rendezvousOrder } from "./rendezvous.ts";
import { parseTrackerList, trackerOrder } from "./tracker_pool.ts";

Deno.test("parseTrackerList() splits, trims, drops duplicates and trailing slashes", () => {
  assert.deepEqual(parseTrackerList(" http://a:1/ ,http://b:2,http://a:1"), [
    "http://a:1",
    "http://b:2",
  ]);
  assert.throws(() => parseTrackerList("ftp://a"), /must be an http\(s\) URL/);
  assert.throws(() => parseTrackerList("a b"), /is not a URL/);
  assert.throws(() => parseTrackerList(" , "), /at least one tracker/);
});

Deno.test("trackerOrder() keeps rendezvous order but puts down trackers last", () => {
  const urls = ["http://t1", "http://t2", "http://t3"];
  const id = "cd".repeat(32);
  const order = rendezvousOrder(id, urls);
  assert.deepEqual(trackerOrder(id, urls, () => false), order);
  assert.deepEqual(trackerOrder(id, urls, (u) => u === order[0]), [order[1], order[2], order[0]]);
  assert.deepEqual(trackerOrder(id, urls, () => true), order);
});
