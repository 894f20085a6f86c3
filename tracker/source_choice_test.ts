import assert from "node:assert/strict";
import { chooseSource, type SourceChoiceInput } from "./source_choice.ts";

const FACTS: SourceChoiceInput = {
  now: 10_000,
  seedGraceMs: 3000,
  maxSourcePeers: 1,
  requesterIsSeed: false,
  requesterIsSourceGoer: false,
  requesterSourceFailed: false,
  requesterDone: false,
  private: false,
  anyDone: false,
  activeSourceGoers: 0,
  activeSeed: false,
  trigger: null,
  seeds: () => [],
};

Deno.test("chooseSource() always sends seeds and existing source-goers", () => {
  assert.deepEqual(chooseSource({ ...FACTS, requesterIsSeed: true, anyDone: true }), {
    backToSource: true,
  });
  assert.deepEqual(
    chooseSource({ ...FACTS, requesterIsSourceGoer: true, activeSourceGoers: 5 }),
    { backToSource: true },
  );
});

Deno.test("chooseSource() lets a peer sent while the seed was late step back once a seed fetches", () => {
  const goer = { ...FACTS, requesterIsSourceGoer: true, activeSourceGoers: 1 };
  assert.deepEqual(chooseSource({ ...goer, activeSeed: true }), { backToSource: false });
  assert.deepEqual(chooseSource({ ...goer, anyDone: true }), { backToSource: false });
  assert.deepEqual(chooseSource({ ...goer, requesterIsSeed: true, activeSeed: true }), {
    backToSource: true,
  });
});

Deno.test("chooseSource() never sends a done peer or one whose source failed", () => {
  assert.equal(chooseSource({ ...FACTS, requesterDone: true }).backToSource, false);
  assert.equal(
    chooseSource({ ...FACTS, requesterIsSeed: true, requesterSourceFailed: true }).backToSource,
    false,
  );
});

Deno.test("chooseSource() sends nobody new once a peer is done or a seed fetches", () => {
  assert.deepEqual(chooseSource({ ...FACTS, anyDone: true }), { backToSource: false });
  assert.deepEqual(
    chooseSource({ ...FACTS, activeSeed: true, activeSourceGoers: 1, maxSourcePeers: 3 }),
    { backToSource: false },
  );
});

Deno.test("chooseSource() without seeds fills up to maxSourcePeers", () => {
  assert.deepEqual(chooseSource(FACTS), { backToSource: true });
  assert.deepEqual(chooseSource({ ...FACTS, activeSourceGoers: 1 }), { backToSource: false });
  assert.deepEqual(
    chooseSource({ ...FACTS, maxSourcePeers: 2, activeSourceGoers: 1, seeds: () => ["s"] }),
    { backToSource: true },
  );
});

Deno.test("chooseSource() triggers a live seed first and makes the requester wait", () => {
  let asked = 0;
  const seeds = () => (asked++, ["s1", "s2"]);
  assert.deepEqual(chooseSource({ ...FACTS, seeds }), { backToSource: false, triggerSeed: "s1" });
  assert.equal(asked, 1);
  // Within the grace period nobody is triggered again and nobody goes.
  const trigger = { hostId: "s1", at: FACTS.now - 1000, announced: false };
  assert.deepEqual(chooseSource({ ...FACTS, seeds, trigger }), { backToSource: false });
});

Deno.test("chooseSource() skips seeds for private downloads", () => {
  assert.deepEqual(chooseSource({ ...FACTS, private: true, seeds: () => ["s1"] }), {
    backToSource: true,
  });
});

Deno.test("chooseSource() gives up on a seed that missed its grace period", () => {
  const trigger = { hostId: "s1", at: FACTS.now - 3000, announced: false };
  assert.deepEqual(chooseSource({ ...FACTS, trigger, seeds: () => ["s1", "s2"] }), {
    backToSource: false,
    triggerSeed: "s2",
    seedFailed: "s1",
  });
  assert.deepEqual(chooseSource({ ...FACTS, trigger, seeds: () => ["s1"] }), {
    backToSource: true,
    seedFailed: "s1",
  });
});

Deno.test("chooseSource() re-triggers when the seed that announced is gone", () => {
  const trigger = { hostId: "s1", at: FACTS.now - 100, announced: true };
  assert.deepEqual(chooseSource({ ...FACTS, trigger, seeds: () => ["s2"] }), {
    backToSource: false,
    triggerSeed: "s2",
  });
  assert.deepEqual(chooseSource({ ...FACTS, trigger }), { backToSource: true });
});
