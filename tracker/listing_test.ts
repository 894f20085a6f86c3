import assert from "node:assert/strict";
import type { ParentInfo, TaskMeta } from "../wire.ts";
import {
  leaveOutListed as leaveOut,
  type Listing,
  type ListingOutput,
  MAX_LISTED,
  RELIST_MS,
} from "./listing.ts";

const META: TaskMeta = {
  id: "t",
  length: 8,
  pieceSize: 4,
  pieceCount: 2,
  etag: null,
  lastModified: null,
};

/** {@link leaveOut} with positional arguments and the task's metadata known. */
function leaveOutListed(
  previous: Listing | null,
  echoed: number,
  fresh: boolean,
  picked: ParentInfo[],
  now: number,
  token: number,
  meta: TaskMeta = META,
): ListingOutput {
  return leaveOut({ previous, echoed, fresh, picked, meta, now, token });
}

function parent(n: number, over: Partial<ParentInfo> = {}): ParentInfo {
  return {
    hostId: n.toString(16).padStart(32, "0"),
    addr: `10.0.0.${n}:65002`,
    idc: "",
    seed: false,
    score: 2,
    pieces: "gA==",
    ...over,
  };
}

const ids = (ps: ParentInfo[]) => ps.map((p) => p.hostId);

Deno.test("leaveOutListed() lists everything the first time and nothing unchanged after", () => {
  const first = leaveOutListed(null, 0, false, [parent(1), parent(2)], 0, 10);
  assert.deepEqual(ids(first.parents), ids([parent(1), parent(2)]));
  assert.equal(first.listing.token, 10);
  const again = leaveOutListed(first.listing, 10, false, [parent(2), parent(3)], 1000, 11);
  assert.deepEqual(ids(again.parents), ids([parent(3)]));
  assert.equal(again.listing.token, 11);
  // Parent 1 was not picked this time but is still known from the first answer.
  const third = leaveOutListed(again.listing, 11, false, [parent(1), parent(3)], 2000, 12);
  assert.deepEqual(third.parents, []);
});

Deno.test("leaveOutListed() lists a parent again when its pieces, address or score changed", () => {
  const first = leaveOutListed(null, 0, false, [parent(1), parent(2), parent(3), parent(4)], 0, 1);
  const changed = [
    parent(1, { pieces: "wA==" }),
    parent(2, { addr: "10.0.0.2:65003" }),
    parent(3, { score: 2.4 }), // within the drift: left out
    parent(4, { score: 1 }), // halved: listed
  ];
  const next = leaveOutListed(first.listing, 1, false, changed, 100, 2);
  assert.deepEqual(ids(next.parents), ids([parent(1), parent(2), parent(4)]));
  assert.equal(next.parents[0].pieces, "wA==");
  // What is remembered is what was sent last.
  const same = leaveOutListed(next.listing, 2, false, changed, 200, 3);
  assert.deepEqual(same.parents, []);
});

Deno.test("leaveOutListed() lists everything again when the token chain breaks", () => {
  const first = leaveOutListed(null, 0, false, [parent(1)], 0, 5);
  // The answer with token 5 never arrived: the agent echoes an older token.
  assert.equal(leaveOutListed(first.listing, 4, false, [parent(1)], 10, 6).parents.length, 1);
  // An agent that restarted reports in full and knows nobody.
  assert.equal(leaveOutListed(first.listing, 5, true, [parent(1)], 10, 6).parents.length, 1);
  // An agent new to this tracker echoes nothing.
  assert.equal(leaveOutListed(first.listing, 0, false, [parent(1)], 10, 6).parents.length, 1);
});

Deno.test("leaveOutListed() relists after RELIST_MS so the agent does not forget the parent", () => {
  const first = leaveOutListed(null, 0, false, [parent(1)], 0, 1);
  const before = leaveOutListed(first.listing, 1, false, [parent(1)], RELIST_MS - 1, 2);
  assert.deepEqual(before.parents, []);
  const after = leaveOutListed(before.listing, 2, false, [parent(1)], RELIST_MS, 3);
  assert.equal(after.parents.length, 1);
  // The relisting starts a new period.
  const later = leaveOutListed(after.listing, 3, false, [parent(1)], RELIST_MS + 10, 4);
  assert.deepEqual(later.parents, []);
});

Deno.test("leaveOutListed() starts over past MAX_LISTED remembered parents", () => {
  const many: Listing = { token: 1, parents: new Map(), meta: null };
  for (let i = 0; i <= MAX_LISTED; i++) {
    many.parents.set(parent(i + 1).hostId, { addr: "x:1", pieces: "", score: 1, at: 0 });
  }
  const p = parent(1, { addr: "x:1", pieces: "", score: 1 });
  const next = leaveOutListed(many, 1, false, [p], 1, 2);
  assert.equal(next.parents.length, 1);
  assert.equal(next.listing.parents.size, 1);
});

Deno.test("leaveOutListed() sends the task's metadata until the peer has it, and again when it changes", () => {
  const unknown = { ...META, length: null, pieceSize: null, pieceCount: null };
  const waiting = leaveOutListed(null, 0, false, [], 0, 1, unknown);
  assert.deepEqual(waiting.meta, unknown);
  // Still without a length: sent again (the peer waits for it).
  const still = leaveOutListed(waiting.listing, 1, false, [], 100, 2, unknown);
  assert.deepEqual(still.meta, unknown);
  const known = leaveOutListed(still.listing, 2, false, [], 200, 3);
  assert.deepEqual(known.meta, META);
  assert.equal(leaveOutListed(known.listing, 3, false, [], 300, 4).meta, null);
  // A broken chain or a new version brings it back.
  assert.deepEqual(leaveOutListed(known.listing, 2, false, [], 300, 4).meta, META);
  const replaced = { ...META, etag: '"v2"' };
  assert.deepEqual(leaveOutListed(known.listing, 3, false, [], 300, 4, replaced).meta, replaced);
});
