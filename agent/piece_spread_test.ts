import assert from "node:assert/strict";
import { BUSY_RETRY_MS, DOUBT_MS, PieceSpread, SpreadLedgers } from "./piece_spread.ts";

const fixed = (x: number) => () => x;

Deno.test("a piece on its way to one downloader is refused to the next, with fresh suggestions", () => {
  const s = new PieceSpread(8, { holdMs: 1000 });
  assert.equal(s.admit(3, 0, fixed(0)), null);
  s.started(3);
  const no = s.admit(3, 5, fixed(0));
  assert.ok(no);
  assert.equal(no.retryAfterMs, 1000);
  assert.deepEqual(no.suggest, [0, 1, 2, 4, 5, 6, 7]);
});

Deno.test("suggestions start at a random point so refused downloaders spread out", () => {
  const s = new PieceSpread(8, { holdMs: 1000, maxSuggestions: 3 });
  s.started(0);
  assert.deepEqual(s.admit(0, 0, fixed(0.5))!.suggest, [4, 5, 6]);
  assert.deepEqual(s.admit(0, 0, fixed(0.9))!.suggest, [7, 1, 2]);
});

Deno.test("a piece sent once is held back for the hold time, then served again", () => {
  const s = new PieceSpread(2, { holdMs: 1000 });
  s.started(0);
  s.finished(0, true, 100);
  const no = s.admit(0, 600, fixed(0));
  assert.ok(no);
  assert.equal(no.retryAfterMs, 500);
  assert.deepEqual(no.suggest, [1]);
  assert.equal(s.admit(0, 1100, fixed(0)), null);
  assert.equal(s.sends(0), 1);
});

Deno.test("an upload that broke off leaves the piece fresh", () => {
  const s = new PieceSpread(2, { holdMs: 1000 });
  s.started(1);
  s.finished(1, false, 50);
  assert.equal(s.admit(1, 60, fixed(0)), null);
  assert.equal(s.sends(1), 0);
  s.started(0);
  assert.deepEqual(s.admit(0, 60, fixed(0))!.suggest, [1]);
});

Deno.test("once every piece went out nothing is suggested: the swarm has them", () => {
  const s = new PieceSpread(3, { holdMs: 1000 });
  for (const [i, at] of [[0, 300], [1, 100], [2, 200]]) {
    s.started(i);
    s.finished(i, true, at);
  }
  assert.deepEqual(s.admit(0, 1250, fixed(0)), { retryAfterMs: 50, suggest: [], holder: null });
  // Past its hold a piece is served again to whoever still asks the seed for it.
  assert.equal(s.admit(1, 1250, fixed(0)), null);
});

Deno.test("one downloader alone is never refused: it only asks for pieces it lacks", () => {
  const s = new PieceSpread(50, { holdMs: 2000 });
  for (let i = 0; i < 50; i++) {
    assert.equal(s.admit(i, i * 10, fixed(0)), null);
    s.started(i);
    s.finished(i, true, i * 10 + 5);
  }
});

Deno.test("ledgers: one per task, the least recently used dropped past the bound", () => {
  const ledgers = new SpreadLedgers({ holdMs: 1000 }, 2);
  const a = ledgers.of("a", 4);
  const b = ledgers.of("b", 4);
  assert.equal(ledgers.of("a", 4), a, "kept");
  ledgers.of("c", 4); // drops b, the least recently used
  assert.equal(ledgers.of("a", 4), a);
  assert.notEqual(ledgers.of("b", 4), b, "b was dropped");
  assert.notEqual(ledgers.of("b", 8), b, "a different piece count is a new ledger");
});

Deno.test("a few uploads at a time: more are refused briefly, without suggestions", () => {
  const s = new PieceSpread(8, { holdMs: 1000, maxUploads: 2 });
  s.started(0);
  s.started(1);
  assert.deepEqual(s.admit(2, 0, fixed(0)), { retryAfterMs: BUSY_RETRY_MS, suggest: [] });
  s.finished(0, true, 10);
  assert.equal(s.admit(2, 20, fixed(0)), null);
});

Deno.test("the hold grows by how long the upload took (buffers deliver later)", () => {
  const s = new PieceSpread(2, { holdMs: 1000 });
  s.started(0);
  s.finished(0, true, 3000, 2500);
  assert.ok(s.admit(0, 4000, fixed(0)), "held: sent at 3000 but took 2500 ms");
  assert.equal(s.admit(0, 6500, fixed(0)), null);
});

Deno.test("a refusal names the piece's last recipient once its bytes have had time to land", () => {
  const s = new PieceSpread(2, { holdMs: 1000 });
  s.started(0);
  assert.equal(s.admit(0, 10, fixed(0))!.holder, null, "in flight: nobody holds it yet");
  s.finished(0, true, 100, 300, "a 10.0.0.2:65002");
  assert.equal(s.admit(0, 200, fixed(0))!.holder, null, "sent, but maybe not landed");
  assert.equal(s.admit(0, 400, fixed(0))!.holder, "a 10.0.0.2:65002");
  // A later complete upload names its own recipient; an unnamed one names nobody.
  s.started(0);
  s.finished(0, true, 2000, 0, "b 10.0.0.3:65002");
  assert.equal(s.admit(0, 2100, fixed(0))!.holder, "b 10.0.0.3:65002");
  s.started(0);
  s.finished(0, true, 4000);
  assert.equal(s.admit(0, 4100, fixed(0))!.holder, null);
});

Deno.test("an asker that names itself is sent to the holder once, even after the hold", () => {
  const s = new PieceSpread(3, { holdMs: 1000 });
  s.started(0);
  s.finished(0, true, 100, 0, "a");
  // After the hold, an unnamed asker is served as before…
  assert.equal(s.admit(0, 5000, fixed(0)), null);
  // …a named one is first sent to the holder…
  const first = s.admit(0, 5000, fixed(0), "b");
  assert.deepEqual(first, { retryAfterMs: 1, suggest: [], holder: "a" });
  // …and served when it comes back (the holder did not serve it).
  assert.equal(s.admit(0, 6000, fixed(0), "b"), null);
  // The holder itself asking again is not sent to itself.
  assert.equal(s.admit(0, 6000, fixed(0), "a"), null);
  // Within the hold a returning asker is still refused until the hold ends.
  const t = new PieceSpread(3, { holdMs: 1000 });
  t.started(1);
  t.finished(1, true, 100, 0, "a");
  assert.equal(t.admit(1, 200, fixed(0), "c")!.holder, "a");
  const back = t.admit(1, 300, fixed(0), "c");
  assert.equal(back!.retryAfterMs, 800);
});

Deno.test("a holder an asker came back from is named to nobody for a while", () => {
  const s = new PieceSpread(4, { holdMs: 10_000 });
  for (const piece of [0, 1, 2]) {
    s.started(piece);
    s.finished(piece, true, 100, 0, "a");
  }
  assert.equal(s.admit(0, 5000, fixed(0), "b")!.holder, "a");
  // b could not get piece 0 from a (a left, say): it waits out the hold, naming nobody…
  assert.deepEqual(s.admit(0, 5001, fixed(0), "b"), {
    retryAfterMs: 5099,
    suggest: [3],
    holder: null,
  });
  assert.equal(s.admit(0, 10_100, fixed(0), "b"), null);
  // …and the next askers are not sent to a for any piece: served once the hold is over.
  assert.equal(s.admit(1, 10_101, fixed(0), "c"), null);
  // Once the doubt has run out (b's last return renewed it), a is named again.
  assert.equal(s.admit(2, 10_099 + DOUBT_MS, fixed(0), "f"), null, "served, a not named");
  assert.equal(s.admit(2, 10_100 + DOUBT_MS, fixed(0), "e")!.holder, "a");
});

Deno.test("a doubted holder that takes another whole piece is named again", () => {
  const s = new PieceSpread(4, { holdMs: 1000 });
  s.started(0);
  s.finished(0, true, 100, 0, "a");
  assert.equal(s.admit(0, 5000, fixed(0), "b")!.holder, "a");
  assert.equal(s.admit(0, 5001, fixed(0), "b"), null);
  s.started(0);
  s.finished(0, true, 5100, 0, "b");
  // Piece 1 goes to a: a is there after all.
  s.started(1);
  s.finished(1, true, 5200, 0, "a");
  assert.equal(s.admit(1, 7000, fixed(0), "c")!.holder, "a");
  // Piece 0's last holder is b now, named as before.
  assert.equal(s.admit(0, 7000, fixed(0), "c")!.holder, "b");
});
