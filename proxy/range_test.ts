import assert from "node:assert/strict";
import { contentRange, coveringPieces, parseRange } from "./range.ts";

Deno.test("parseRange() handles first-last, open-ended and suffix ranges", () => {
  assert.deepEqual(parseRange("bytes=0-0", 10), { start: 0, end: 1 });
  assert.deepEqual(parseRange("bytes=4-", 10), { start: 4, end: 10 });
  assert.deepEqual(parseRange("bytes=4-100", 10), { start: 4, end: 10 });
  assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 10 });
  assert.deepEqual(parseRange("bytes=-30", 10), { start: 0, end: 10 });
});

Deno.test("parseRange() ignores what it may ignore and refuses what is past the end", () => {
  assert.equal(parseRange(null, 10), null);
  assert.equal(parseRange("bytes=0-1,4-5", 10), null);
  assert.equal(parseRange("items=0-1", 10), null);
  assert.equal(parseRange("bytes=5-2", 10), null);
  assert.equal(parseRange("bytes=-", 10), null);
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
});

Deno.test("contentRange() and coveringPieces() agree with the window", () => {
  assert.equal(contentRange({ start: 4, end: 10 }, 10), "bytes 4-9/10");
  assert.deepEqual(coveringPieces({ start: 0, end: 4 }, 4), { first: 0, last: 0 });
  assert.deepEqual(coveringPieces({ start: 3, end: 5 }, 4), { first: 0, last: 1 });
  assert.deepEqual(coveringPieces({ start: 8, end: 9 }, 4), { first: 2, last: 2 });
});
