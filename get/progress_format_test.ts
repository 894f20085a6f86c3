import assert from "node:assert/strict";
import { eta, formatEta, formatProgress, formatSummary, share } from "./progress_format.ts";

const MiB = 2 ** 20;

Deno.test("formatEta() reads as seconds, minutes or hours", () => {
  assert.equal(formatEta(0), "0s");
  assert.equal(formatEta(4.2), "5s");
  assert.equal(formatEta(59), "59s");
  assert.equal(formatEta(60), "1m00s");
  assert.equal(formatEta(3599), "59m59s");
  assert.equal(formatEta(3600 * 2 + 7 * 60), "2h07m");
  assert.equal(formatEta(null), "--");
  assert.equal(formatEta(Infinity), "--");
});

Deno.test("eta() is unknown without a total or a rate", () => {
  assert.equal(eta(10, 110, 50), 2);
  assert.equal(eta(10, null, 50), null);
  assert.equal(eta(10, 110, 0), null);
  assert.equal(eta(200, 110, 10), 0);
});

Deno.test("share() rounds and is null when nothing moved", () => {
  assert.equal(share(93, 7), 93);
  assert.equal(share(2, 1), 67);
  assert.equal(share(0, 0), null);
});

Deno.test("formatProgress() shows percent, bytes, rate, ETA and peer share", () => {
  const view = {
    bytes: 64 * MiB,
    total: 256 * MiB,
    rate: 32 * MiB,
    fromPeers: 48 * MiB,
    fromSource: 16 * MiB,
  };
  const line = formatProgress(view, 100);
  assert.equal(
    line,
    " 25% [#######-----------------------]  64.0 MiB/256.0 MiB  32.0 MiB/s  ETA 6s  peers 75%",
  );
  const narrow = formatProgress(view, 70);
  assert.equal(narrow.length, 69);
  assert.match(narrow, /^ 25% \[#+-+\] {2}64\.0 MiB/);
  assert.equal(formatProgress(view, 40), " 25%  64.0 MiB/256.0 MiB  32.0 MiB/s  ETA 6s  peers 75%");
  assert.ok([...line].every((c) => c.charCodeAt(0) >= 0x20), "no control characters");
});

Deno.test("formatProgress() copes with an unknown total and unknown share", () => {
  assert.equal(
    formatProgress({ bytes: 1536, total: null, rate: 0, fromPeers: null, fromSource: null }),
    "1.5 KiB  0 B/s",
  );
  assert.equal(
    formatProgress({ bytes: 0, total: 0, rate: 0, fromPeers: 0, fromSource: 0 }),
    "0 B  0 B/s  ETA --",
  );
});

Deno.test("formatSummary() names the path and where the bytes came from", () => {
  const base = { bytes: 256 * MiB, seconds: 2.41, via: "agent" as const, output: "/d/out.bin" };
  assert.equal(
    formatSummary({ ...base, fromPeers: 93, fromSource: 7 }),
    "256.0 MiB in 2.41 s (106.2 MiB/s), 93% from peers → /d/out.bin",
  );
  assert.equal(
    formatSummary({ ...base, fromPeers: 0, fromSource: 0 }),
    "256.0 MiB in 2.41 s (106.2 MiB/s), from the agent's cache → /d/out.bin",
  );
  assert.match(
    formatSummary({
      ...base,
      seconds: 0,
      fromPeers: 0,
      fromSource: 1,
      via: "direct",
      output: null,
    }),
    /directly from the source → stdout$/,
  );
});
