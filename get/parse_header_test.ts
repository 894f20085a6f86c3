import assert from "node:assert/strict";
import { parseHeader } from "./parse_header.ts";

Deno.test("parseHeader() splits at the first colon and trims the value", () => {
  assert.deepEqual(parseHeader("Authorization: Bearer a:b"), ["Authorization", "Bearer a:b"]);
  assert.deepEqual(parseHeader("X-Empty:"), ["X-Empty", ""]);
  assert.deepEqual(parseHeader("  X-Pad  :   v  "), ["X-Pad", "v"]);
});

Deno.test("parseHeader() refuses text without a name or with bad characters", () => {
  for (const bad of ["no colon", ": value", "Bad Name: v", "X-A: a\r\nX-B: b", "Ünicode: v"]) {
    assert.throws(() => parseHeader(bad), RangeError, bad);
  }
});
