import assert from "node:assert/strict";
import { formatBytes, parseDuration, parseRate, parseSize, parseWholeNumber } from "./units.ts";

Deno.test("parseSize() reads binary and decimal units", () => {
  assert.equal(parseSize("0"), 0);
  assert.equal(parseSize("4096"), 4096);
  assert.equal(parseSize("20GiB"), 20 * 2 ** 30);
  assert.equal(parseSize("20gib"), 20 * 2 ** 30);
  assert.equal(parseSize("512MB"), 512e6);
  assert.equal(parseSize("1.5KiB"), 1536);
  assert.equal(parseSize("64M"), 64 * 2 ** 20);
});

Deno.test("parseSize() refuses garbage, negatives and rates", () => {
  for (const bad of ["", "abc", "-1", "10XB", "1e3", "10MiB/s", "800Mbit"]) {
    assert.throws(() => parseSize(bad), RangeError);
  }
});

Deno.test("parseRate() reads bytes and bits per second", () => {
  assert.equal(parseRate("0"), 0);
  assert.equal(parseRate("100MiB"), 100 * 2 ** 20);
  assert.equal(parseRate("50MB"), 50e6);
  assert.equal(parseRate("50MB/s"), 50e6);
  assert.equal(parseRate("800Mbit"), 100e6);
  assert.equal(parseRate("1Gbit"), 125e6);
});

Deno.test("parseRate() refuses unknown units", () => {
  for (const bad of ["fast", "10 furlongs", "-5MB", "MB"]) {
    assert.throws(() => parseRate(bad), RangeError);
  }
});

Deno.test("formatBytes() picks a readable unit", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(256 * 2 ** 20), "256.0 MiB");
});

Deno.test("parseDuration() reads ms, s, m and h; bare numbers are seconds", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("15s"), 15_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("10m"), 600_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("3"), 3000);
  for (const bad of ["", "soon", "-1s", "5d"]) assert.throws(() => parseDuration(bad), RangeError);
});

Deno.test("parseWholeNumber() takes 0..max and names a bad value", () => {
  assert.equal(parseWholeNumber("0", 1000), 0);
  assert.equal(parseWholeNumber("1000", 1000), 1000);
  for (const bad of ["1001", "-1", "1.5", "", "x", "99999999999999999999"]) {
    assert.throws(() => parseWholeNumber(bad, 1000), /use a whole number from 0 to 1000, not "/);
  }
});
