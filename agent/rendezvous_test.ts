import assert from "node:assert/strict";
import { rendezvousOrder } from "./rendezvous.ts";

const TRACKERS = ["http://t1:8002", "http://t2:8002", "http://t3:8002"];
const keys = Array.from({ length: 3000 }, (_, i) => i.toString(16).padStart(64, "0"));

Deno.test("rendezvousOrder() is a permutation that does not depend on list order", () => {
  for (const key of keys.slice(0, 50)) {
    const a = rendezvousOrder(key, TRACKERS);
    assert.deepEqual([...a].sort(), TRACKERS);
    assert.deepEqual(rendezvousOrder(key, [...TRACKERS].reverse()), a);
  }
});

Deno.test("rendezvousOrder() spreads owners about evenly", () => {
  const owners = new Map<string, number>();
  for (const key of keys) {
    const owner = rendezvousOrder(key, TRACKERS)[0];
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
  }
  for (const t of TRACKERS) {
    const share = (owners.get(t) ?? 0) / keys.length;
    assert.ok(share > 0.28 && share < 0.39, `${t} owns ${share}`);
  }
});

Deno.test("rendezvousOrder() moves only a removed tracker's tasks, evenly to the rest", () => {
  const gone = TRACKERS[1];
  const survivors = TRACKERS.filter((t) => t !== gone);
  const moved = new Map<string, number>();
  for (const key of keys) {
    const before = rendezvousOrder(key, TRACKERS);
    const after = rendezvousOrder(key, survivors);
    if (before[0] !== gone) {
      assert.equal(after[0], before[0], "a survivor's task stays put");
    } else {
      assert.equal(after[0], before[1], "an orphan goes to its next tracker in order");
      moved.set(after[0], (moved.get(after[0]) ?? 0) + 1);
    }
  }
  const counts = [...moved.values()];
  assert.equal(counts.length, 2);
  assert.ok(Math.min(...counts) / Math.max(...counts) > 0.75, `uneven: ${counts}`);
});

Deno.test("rendezvousOrder() of one tracker or none", () => {
  assert.deepEqual(rendezvousOrder("k", ["http://only"]), ["http://only"]);
  assert.deepEqual(rendezvousOrder("k", []), []);
});
