import assert from "node:assert/strict";
import { TokenBucket } from "./token_bucket.ts";

Deno.test("TokenBucket() lets the burst through, then charges debt in order", () => {
  let t = 0;
  const bucket = new TokenBucket(1000, { burst: 100, now: () => t });
  assert.equal(bucket.reserve(100), 0);
  assert.equal(bucket.reserve(100), 100);
  assert.equal(bucket.reserve(100), 200); // queued behind the first debt
  t = 300;
  assert.equal(bucket.reserve(0), 0); // debt paid off
});

Deno.test("TokenBucket() refills no further than the burst", () => {
  let t = 0;
  const bucket = new TokenBucket(1000, { burst: 100, now: () => t });
  t = 10_000;
  assert.equal(bucket.reserve(100), 0);
  assert.equal(bucket.reserve(50), 50);
});

Deno.test("TokenBucket() with rate 0 is unlimited", () => {
  const bucket = new TokenBucket(0);
  assert.ok(bucket.unlimited);
  assert.equal(bucket.reserve(1e12), 0);
});

Deno.test("TokenBucket() refuses a negative rate", () => {
  assert.throws(() => new TokenBucket(-1), RangeError);
});

Deno.test("TokenBucket.take() holds real throughput within 10% over 2 s", async () => {
  const rate = 4 * 2 ** 20; // 4 MiB/s
  const bucket = new TokenBucket(rate, { burst: 64 * 1024 });
  const chunk = 64 * 1024;
  const start = performance.now();
  let sent = 0;
  // Three concurrent senders share the one bucket, as tasks share a host limit.
  await Promise.all([0, 1, 2].map(async () => {
    while (performance.now() - start < 2000) {
      await bucket.take(chunk);
      sent += chunk;
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const measured = sent / seconds;
  assert.ok(Math.abs(measured - rate) / rate < 0.1, `measured ${measured} B/s vs ${rate} B/s`);
});

Deno.test("TokenBucket counts the reservations that had to wait, and how long (for /metrics)", () => {
  let t = 0;
  const bucket = new TokenBucket(1000, { burst: 100, now: () => t });
  bucket.reserve(100);
  assert.deepEqual([bucket.waits, bucket.waitedMs], [0, 0]);
  bucket.reserve(500);
  bucket.reserve(250);
  assert.deepEqual([bucket.waits, bucket.waitedMs], [2, 500 + 750]);
  t += 2000; // the debt is paid and the burst refilled: no wait
  assert.equal(bucket.reserve(50), 0);
  assert.equal(bucket.waits, 2);
});
