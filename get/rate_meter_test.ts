import assert from "node:assert/strict";
import { RateMeter } from "./rate_meter.ts";

Deno.test("RateMeter() is 0 before two samples", () => {
  const m = new RateMeter();
  assert.equal(m.rate(), 0);
  m.add(0, 100);
  assert.equal(m.rate(), 0);
});

Deno.test("RateMeter() measures bytes per second", () => {
  const m = new RateMeter();
  m.add(0, 0);
  m.add(500, 1000);
  assert.equal(m.rate(), 2000);
});

Deno.test("RateMeter() forgets samples older than the window", () => {
  const m = new RateMeter({ windowMs: 1000 });
  m.add(0, 0);
  m.add(100, 1_000_000); // a burst long ago
  for (let t = 1000; t <= 5000; t += 100) m.add(t, 1_000_000 + (t - 1000));
  assert.ok(Math.abs(m.rate() - 1000) < 1, `rate ${m.rate()}`);
});

Deno.test("RateMeter() refuses a non-positive window", () => {
  assert.throws(() => new RateMeter({ windowMs: 0 }), RangeError);
});
