import assert from "node:assert/strict";
import { chooseParents, type ParentStats, scoreParent } from "./parent_score.ts";

const BASE: ParentStats = {
  usefulPieces: 5,
  missingPieces: 10,
  done: false,
  seed: false,
  uploads: 0,
  recentFailures: 0,
  sameIdc: false,
};

/** A seeded generator (mulberry32) so sampling tests are repeatable. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("scoreParent() prefers more useful pieces, done and seed", () => {
  assert.ok(scoreParent({ ...BASE, usefulPieces: 9 }) > scoreParent(BASE));
  assert.ok(scoreParent({ ...BASE, done: true }) > scoreParent(BASE));
  assert.ok(scoreParent({ ...BASE, seed: true }) > scoreParent(BASE));
});

Deno.test("scoreParent() lowers busy and failing parents and favours the same idc", () => {
  assert.ok(scoreParent({ ...BASE, uploads: 4 }) < scoreParent(BASE));
  assert.ok(scoreParent({ ...BASE, recentFailures: 1 }) < scoreParent(BASE));
  assert.ok(scoreParent({ ...BASE, sameIdc: true }) > scoreParent(BASE));
});

Deno.test("scoreParent() stays positive and finite at the edges", () => {
  for (
    const s of [
      { ...BASE, usefulPieces: 0, missingPieces: 0 },
      { ...BASE, uploads: 1e6, recentFailures: 1e6 },
      { ...BASE, usefulPieces: 20, missingPieces: 10 },
    ]
  ) {
    const v = scoreParent(s);
    assert.ok(v > 0 && Number.isFinite(v), String(v));
  }
});

Deno.test("chooseParents() returns distinct candidates up to the limit", () => {
  const list = Array.from({ length: 40 }, (_, i) => ({ id: i, score: 1 + (i % 5) }));
  const picked = chooseParents(list, 16, seeded(1));
  assert.equal(picked.length, 16);
  assert.equal(new Set(picked.map((p) => p.id)).size, 16);
  assert.equal(chooseParents(list.slice(0, 3), 16, seeded(1)).length, 3);
  assert.deepEqual(chooseParents(list, 0, seeded(1)), []);
  assert.deepEqual(chooseParents([], 5, seeded(1)), []);
});

Deno.test("chooseParents() picks in proportion to score, not always the top", () => {
  const list = [{ id: "a", score: 1 }, { id: "b", score: 3 }];
  const random = seeded(7);
  let b = 0;
  const rounds = 4000;
  for (let i = 0; i < rounds; i++) if (chooseParents(list, 1, random)[0].id === "b") b++;
  // P(b) = 3/4 for weighted sampling of one.
  assert.ok(Math.abs(b / rounds - 0.75) < 0.03, String(b / rounds));
});

Deno.test("chooseParents() still samples zero or broken scores, last", () => {
  const list = [{ id: "z", score: 0 }, { id: "n", score: NaN }, { id: "ok", score: 1 }];
  const picked = chooseParents(list, 3, seeded(3));
  assert.equal(picked.length, 3);
  assert.equal(picked[0].id, "ok");
});
