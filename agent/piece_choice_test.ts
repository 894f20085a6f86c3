import assert from "node:assert/strict";
import {
  expectedTotalMs,
  laggingTransfer,
  orderPieces,
  type PieceView,
  typicalTransferMs,
} from "./piece_choice.ts";

function view(
  avail: number[],
  have: number[] = [],
  inFlight: Record<number, number> = {},
): PieceView {
  return {
    pieceCount: avail.length,
    have: (i) => have.includes(i),
    inFlight: (i) => inFlight[i] ?? 0,
    availability: (i) => avail[i],
  };
}

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const opts = { randomFirst: 0, maxDuplicates: 2, random: seeded(1) };

Deno.test("orderPieces() picks rarest first after the random start", () => {
  const order = orderPieces(view([5, 1, 3, 2, 4], [4]), { ...opts, randomFirst: 1 });
  assert.deepEqual(order.pieces, [1, 3, 2, 0]);
  assert.equal(order.endgame, false);
});

Deno.test("orderPieces() picks at random until randomFirst pieces are held", () => {
  const firsts = new Set<number>();
  for (let s = 1; s < 40; s++) {
    const order = orderPieces(view([1, 2, 3, 4, 5, 6, 7, 8]), {
      ...opts,
      randomFirst: 4,
      random: seeded(s),
    });
    assert.equal(order.pieces.length, 8);
    firsts.add(order.pieces[0]);
  }
  // Rarest-first would always start with piece 0; random spreads the start.
  assert.ok(firsts.size >= 4, `only ${[...firsts]} came first`);
});

Deno.test("orderPieces() skips held, in-flight and unavailable pieces", () => {
  const order = orderPieces(view([1, 0, 1, 1], [0], { 2: 1 }), opts);
  assert.deepEqual(order.pieces, [3]);
});

Deno.test("orderPieces() enters endgame when all fetchable pieces are in flight", () => {
  const order = orderPieces(view([3, 3, 1, 2], [], { 0: 1, 1: 2, 2: 1, 3: 1 }), opts);
  // 1 is at maxDuplicates, 2 has no second parent.
  assert.deepEqual(order.pieces, [0, 3]);
  assert.equal(order.endgame, true);
});

Deno.test("orderPieces() returns nothing when everything is held", () => {
  const order = orderPieces(view([1, 1], [0, 1]), opts);
  assert.deepEqual(order, { pieces: [], endgame: false });
});

Deno.test("orderPieces() puts a piece a caller waits for first once two parents hold it", () => {
  for (let seed = 0; seed < 20; seed++) {
    const order = orderPieces({
      pieceCount: 8,
      have: () => false,
      inFlight: () => 0,
      availability: () => 2,
      wanted: (i) => i === 5,
    }, { randomFirst: 4, maxDuplicates: 2, random: Math.random });
    assert.equal(order.pieces[0], 5);
    assert.equal(order.pieces.length, 8);
  }
});

Deno.test("orderPieces() does not rush a waited-for piece that only one parent holds", () => {
  const order = orderPieces({
    pieceCount: 4,
    have: () => false,
    inFlight: () => 0,
    availability: (i) => (i === 0 ? 1 : 3),
    wanted: (i) => i === 0,
  }, { randomFirst: 0, maxDuplicates: 2, random: () => 0.5 });
  // Rarest first still applies: the rare piece leads, but as the rarest, not as wanted.
  assert.equal(order.pieces[0], 0);
  const spread = orderPieces({
    pieceCount: 4,
    have: () => false,
    inFlight: () => 0,
    availability: (i) => (i === 3 ? 1 : 3),
    wanted: (i) => i === 3,
  }, { randomFirst: 4, maxDuplicates: 2, random: () => 0.5 });
  // During the random start, a lone-holder piece gets no priority (stable order keeps 0 first).
  assert.equal(spread.pieces[0], 0);
});

Deno.test("orderPieces() does not duplicate a piece whose transfer is far along", () => {
  const done: Record<number, number> = { 0: 0.1, 1: 0.5, 2: 0.9 };
  const v = { ...view([2, 2, 2], [], { 0: 1, 1: 1, 2: 1 }), done: (i: number) => done[i] };
  const order = orderPieces(v, { ...opts, duplicateBelow: 0.5 });
  assert.deepEqual(order.pieces, [0]);
  assert.equal(order.endgame, true);
  // Without the bound every in-flight piece may be duplicated.
  assert.deepEqual(orderPieces(v, opts).pieces, [0, 1, 2]);
});

Deno.test("orderPieces() duplicates only lagging transfers when told which lag", () => {
  const v = { ...view([2, 2, 2], [], { 0: 1, 1: 1, 2: 1 }), lagging: (i: number) => i === 1 };
  assert.deepEqual(orderPieces(v, opts).pieces, [1]);
  const none = { ...v, lagging: () => false };
  assert.deepEqual(orderPieces(none, opts), { pieces: [], endgame: false });
});

const MiB = 1 << 20;
const lag = { minElapsedMs: 1000, lateFactor: 2 };
/** A transfer of a 4 MiB piece. */
const transfer = (received: number, elapsedMs: number) => ({
  received,
  length: 4 * MiB,
  elapsedMs,
});

Deno.test("expectedTotalMs() extrapolates the average rate; Infinity before the first byte", () => {
  assert.equal(expectedTotalMs(transfer(MiB, 1000)), 4000);
  assert.equal(expectedTotalMs(transfer(0, 1000)), Infinity);
});

Deno.test("typicalTransferMs() is the lower median of finished and expected times", () => {
  const at = (received: number) => transfer(received, 1000);
  assert.equal(typicalTransferMs([], []), null);
  // Expected: 4000, 2000, Infinity; finished: 3000 → sorted 2000, 3000, 4000, ∞ → 3000.
  assert.equal(typicalTransferMs([3000], [at(MiB), at(2 * MiB), at(0)]), 3000);
  // One quiet transfer among few does not become the yardstick.
  assert.equal(typicalTransferMs([], [at(2 * MiB), at(0)]), 2000);
});

Deno.test("laggingTransfer() rescues a quiet or trickling parent, not an evenly shared link", () => {
  const typical = typicalTransferMs([], [
    transfer(MiB, 1200),
    transfer(MiB, 1300),
    transfer(450, 1500),
  ]);
  assert.equal(typical, 5200);
  // Went quiet after its first bytes: expected to take hours.
  assert.equal(laggingTransfer(transfer(450, 1500), typical, lag), true);
  // As fast as the others: no second copy.
  assert.equal(laggingTransfer(transfer(MiB, 1300), typical, lag), false);
  // Half as fast as typical is within the factor; a third is not.
  assert.equal(laggingTransfer(transfer(MiB, 2500), typical, lag), false);
  assert.equal(laggingTransfer(transfer(MiB, 3600), typical, lag), true);
});

Deno.test("laggingTransfer() waits minElapsedMs, and duplicates freely with no yardstick", () => {
  assert.equal(laggingTransfer(transfer(0, 999), 2000, lag), false);
  assert.equal(laggingTransfer(transfer(0, 1000), 2000, lag), true);
  assert.equal(laggingTransfer(transfer(MiB, 1000), null, lag), true);
  assert.equal(laggingTransfer(transfer(MiB, 1000), Infinity, lag), true);
});
