import assert from "node:assert/strict";
import { median, percentile, tMin } from "./swarm_math.ts";

const MBIT = 1e6 / 8;

Deno.test("tMin() is bound by the origin's upload when clients are few", () => {
  // 200 MiB at 100 Mbit/s everywhere, 1 client: F/u_s = F/d = N·F/(2u).
  const f = 200 * 2 ** 20;
  const t = tMin({
    fileBytes: f,
    originUp: 100 * MBIT,
    clientDown: [100 * MBIT],
    clientUp: [100 * MBIT],
  });
  assert.equal(t, f / (100 * MBIT));
});

Deno.test("tMin() is bound by total upload when the origin is slow", () => {
  // Origin 10, 4 clients at 10 up: N·F/(u_s+Σu) = 4F/50 < F/10 → F/u_s wins.
  const links = {
    fileBytes: 1000,
    originUp: 10,
    clientDown: [100, 100, 100, 100],
    clientUp: [10, 10, 10, 10],
  };
  assert.equal(tMin(links), 100);
  // Clients that cannot upload: the origin must send all N copies.
  assert.equal(tMin({ ...links, clientUp: [0, 0, 0, 0] }), 400);
});

Deno.test("tMin() is bound by the slowest client's download", () => {
  assert.equal(
    tMin({ fileBytes: 1000, originUp: 100, clientDown: [100, 5], clientUp: [100, 100] }),
    200,
  );
});

Deno.test("tMin() rejects missing or non-positive rates", () => {
  assert.throws(
    () => tMin({ fileBytes: 1, originUp: 1, clientDown: [], clientUp: [] }),
    RangeError,
  );
  assert.throws(
    () => tMin({ fileBytes: 1, originUp: 0, clientDown: [1], clientUp: [1] }),
    RangeError,
  );
  assert.throws(
    () => tMin({ fileBytes: 1, originUp: 1, clientDown: [1], clientUp: [] }),
    RangeError,
  );
});

Deno.test("median() and percentile() on odd, even and empty inputs", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(percentile([5, 1, 4, 2, 3], 0), 1);
  assert.equal(percentile([5, 1, 4, 2, 3], 100), 5);
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.throws(() => percentile([1], 101), RangeError);
});
