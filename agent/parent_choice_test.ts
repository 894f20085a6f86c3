import assert from "node:assert/strict";
import { chooseParent, type ParentView } from "./parent_choice.ts";

function parent(hostId: string, over: Partial<ParentView> = {}): ParentView {
  return { hostId, score: 1, inFlight: 0, speed: null, blocked: false, has: () => true, ...over };
}

function counts(parents: ParentView[], runs = 2000): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const p = chooseParent(0, parents, { maxInFlight: 4, random: Math.random })!;
    out[p.hostId] = (out[p.hostId] ?? 0) + 1;
  }
  return out;
}

Deno.test("chooseParent() skips blocked, full, excluded parents and those without the piece", () => {
  const parents = [
    parent("blocked", { blocked: true }),
    parent("full", { inFlight: 4 }),
    parent("lacks", { has: () => false }),
    parent("excluded"),
    parent("ok"),
  ];
  const got = chooseParent(0, parents, {
    maxInFlight: 4,
    exclude: new Set(["excluded"]),
    random: Math.random,
  });
  assert.equal(got?.hostId, "ok");
  assert.equal(chooseParent(0, parents.slice(0, 3), { maxInFlight: 4, random: Math.random }), null);
});

Deno.test("chooseParent() favours faster parents but still tries unmeasured ones", () => {
  const c = counts([
    parent("fast", { speed: 900 }),
    parent("slow", { speed: 100 }),
    parent("new"),
  ]);
  assert.ok(c.fast > c.slow * 4, JSON.stringify(c));
  // An unmeasured parent is weighed like the best known one.
  assert.ok(c.new > c.slow * 4, JSON.stringify(c));
});

Deno.test("chooseParent() spreads load away from busy parents", () => {
  const c = counts([parent("busy", { inFlight: 3, speed: 100 }), parent("idle", { speed: 100 })]);
  assert.ok(c.idle > c.busy * 2.5, JSON.stringify(c));
});

Deno.test("chooseParent() weighs the tracker's score", () => {
  const c = counts([parent("good", { score: 10 }), parent("poor", { score: 1 })]);
  assert.ok(c.good > c.poor * 2, JSON.stringify(c));
});

Deno.test("chooseParent() asks a last-resort seed only for pieces no other parent holds", () => {
  const seed = parent("seed", { seed: true, speed: 1000, score: 10 });
  const peer = parent("peer", { has: (i) => i === 0, inFlight: 3 });
  const options = { maxInFlight: 3, seedLastResort: true, random: Math.random };
  // Piece 0: the peer holds it; full or not, the seed is not asked.
  assert.equal(chooseParent(0, [seed, peer], options), null);
  assert.equal(chooseParent(0, [seed, { ...peer, inFlight: 0 }], options)?.hostId, "peer");
  // Piece 1: only the seed holds it.
  assert.equal(chooseParent(1, [seed, peer], options)?.hostId, "seed");
  // A blocked peer does not count as a holder.
  assert.equal(chooseParent(0, [seed, { ...peer, blocked: true }], options)?.hostId, "seed");
  // Without the option the seed is a parent like any other.
  assert.equal(
    chooseParent(0, [seed, peer], { maxInFlight: 3, random: Math.random })?.hostId,
    "seed",
  );
});

Deno.test("chooseParent() keeps a seed to maxInFlightSeed requests", () => {
  const seed = parent("seed", { seed: true, inFlight: 1 });
  assert.equal(
    chooseParent(0, [seed], { maxInFlight: 3, maxInFlightSeed: 1, random: Math.random }),
    null,
  );
  assert.equal(
    chooseParent(0, [{ ...seed, inFlight: 0 }], {
      maxInFlight: 3,
      maxInFlightSeed: 1,
      random: Math.random,
    })?.hostId,
    "seed",
  );
});

Deno.test("chooseParent() sends an endgame duplicate to the seed when only lagging or failing peers hold the piece", () => {
  const options = {
    maxInFlight: 4,
    seedLastResort: true,
    exclude: new Set(["stuck"]),
    random: Math.random,
  };
  const parents = [
    parent("seed", { seed: true }),
    parent("stuck"),
    parent("failed", { failedRecently: true }),
  ];
  // A fresh request would not go to the seed: "failed" holds the piece and is not blocked.
  assert.equal(chooseParent(0, parents, { ...options, exclude: undefined })?.seed, undefined);
  // The duplicate of the stuck transfer: neither "stuck" nor "failed" counts as a holder.
  assert.equal(chooseParent(0, parents, { ...options, duplicate: true })?.hostId, "seed");
  // Without the duplicate flag the old rule holds: a peer holds it, so no seed, and "stuck" is excluded.
  assert.equal(chooseParent(0, parents, options)?.hostId, "failed");
  // A healthy peer that holds the piece still takes the duplicate instead of the seed.
  const withPeer = [...parents, parent("healthy")];
  for (let i = 0; i < 50; i++) {
    assert.equal(chooseParent(0, withPeer, { ...options, duplicate: true })?.hostId, "healthy");
  }
});
