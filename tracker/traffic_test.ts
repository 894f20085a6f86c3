import assert from "node:assert/strict";
import { TrafficBook, trafficRates } from "./traffic.ts";

const stats = (fromPeers: number, fromSource: number, uploaded: number) => ({
  fromPeers,
  fromSource,
  uploaded,
});

Deno.test("trafficRates() treats a counter that went down as a restart", () => {
  const r = trafficRates({ stats: stats(5000, 0, 9000), at: 0 }, {
    stats: stats(1000, 0, 500),
    at: 1000,
  });
  assert.deepEqual(r, { downRate: 1000, upRate: 500 });
  assert.deepEqual(
    trafficRates({ stats: stats(0, 0, 0), at: 5 }, { stats: stats(9, 9, 9), at: 5 }),
    {
      downRate: 0,
      upRate: 0,
    },
  );
});

Deno.test("TrafficBook.record() keeps the rates of the last two reports; prune() forgets", () => {
  const book = new TrafficBook();
  book.record("a", stats(0, 0, 0), 0);
  assert.equal(book.get("a")!.downRate, 0);
  book.record("a", stats(3000, 1000, 2000), 2000);
  assert.deepEqual(
    { down: book.get("a")!.downRate, up: book.get("a")!.upRate },
    { down: 2000, up: 1000 },
  );
  book.prune((id) => id !== "a");
  assert.equal(book.get("a"), undefined);
});
