import assert from "node:assert/strict";
import { Bitset } from "./bitset.ts";

Deno.test("Bitset() adds, counts and iterates", () => {
  const set = new Bitset(10);
  assert.equal(set.add(3), true);
  assert.equal(set.add(3), false);
  set.add(9);
  assert.equal(set.count, 2);
  assert.deepEqual([...set], [3, 9]);
  set.delete(3);
  assert.deepEqual([...set], [9]);
  assert.equal(set.has(10), false);
  assert.throws(() => set.add(10), RangeError);
});

Deno.test("Bitset() round-trips through base64", () => {
  const set = new Bitset(13);
  for (const i of [0, 7, 8, 12]) set.add(i);
  const back = Bitset.fromBase64(13, set.toBase64());
  assert.deepEqual([...back], [0, 7, 8, 12]);
  assert.equal(back.count, 4);
  assert.ok(Bitset.full(13).complete);
});

Deno.test("Bitset.fromBase64() refuses bad input and clears padding bits", () => {
  assert.throws(() => Bitset.fromBase64(8, "!!!"), RangeError);
  assert.throws(() => Bitset.fromBase64(8, btoa("ab")), RangeError);
  const padded = Bitset.fromBase64(4, btoa("\xff"));
  assert.equal(padded.count, 4);
});
