/**
 * @module listing — leaves out of an announce answer what the peer already
 * knows as it is: parents it was given a second earlier, unchanged, and the
 * task's metadata. On the origin host those repeats were most of the
 * tracker's bytes. Pure: the caller keeps the
 * {@link Listing} on the peer and passes the clock and a fresh token.
 *
 * The answer carries a token and the next announce echoes it. The tracker
 * trusts what it listed only while the chain of tokens is unbroken: an
 * answer the agent never got (a timeout, another tracker in between) breaks
 * it, and the next answer lists everything again.
 */
import type { ParentInfo, TaskMeta } from "../wire.ts";

/** A parent as it was last listed to one peer. */
export interface ListedParent {
  addr: string;
  pieces: string;
  score: number;
  at: number;
}

/** What one peer was told, and the token of the answer that told it. */
export interface Listing {
  token: number;
  parents: Map<string, ListedParent>;
  /** The task metadata sent (as JSON) once its length was known; null before. */
  meta: string | null;
}

/** What {@link leaveOutListed} decides on. */
export interface ListingInput {
  /** The peer's listing after its previous answer; null before any. */
  previous: Listing | null;
  /** The token the peer sent back (0: none). */
  echoed: number;
  /** The peer reports all its pieces anew (it restarted and knows nobody). */
  fresh: boolean;
  /** Parents picked for this answer. */
  picked: readonly ParentInfo[];
  meta: TaskMeta;
  now: number;
  /** This answer's token. */
  token: number;
}

/** What goes into the answer, and the listing to keep for the next announce. */
export interface ListingOutput {
  parents: ParentInfo[];
  /** Null when the peer has had this metadata already. */
  meta: TaskMeta | null;
  listing: Listing;
}

/**
 * List a parent again after this long even if nothing changed, so that the
 * agent, which forgets parents not listed for 15 s, keeps it.
 */
export const RELIST_MS = 5000;
/** A listed score may drift this far (as a share) before the parent is listed again. */
export const SCORE_DRIFT = 0.25;
/** Parents remembered per peer; past this the memory starts over. */
export const MAX_LISTED = 256;

/**
 * The parents of `picked` that the peer does not already know as they are,
 * the metadata unless it has it, and the listing to keep for its next
 * announce.
 *
 * @example
 * ```ts
 * import { leaveOutListed } from "./listing.ts";
 * const p = { hostId: "a".repeat(32), addr: "10.0.0.2:65001", idc: "", seed: false, score: 2, pieces: "gA==" };
 * const meta = { id: "t", length: 8, pieceSize: 4, pieceCount: 2, etag: null, lastModified: null };
 * const first = leaveOutListed({ previous: null, echoed: 0, fresh: false, picked: [p], meta, now: 0, token: 7 });
 * const again = leaveOutListed({ previous: first.listing, echoed: 7, fresh: false, picked: [p], meta, now: 1000, token: 8 });
 * if (first.parents.length !== 1 || again.parents.length !== 0 || again.meta !== null) throw new Error();
 * ```
 */
export function leaveOutListed(input: ListingInput): ListingOutput {
  const { previous, picked, now } = input;
  const trusted = previous !== null && !input.fresh && input.echoed === previous.token &&
    previous.parents.size <= MAX_LISTED;
  const known = trusted ? previous.parents : new Map<string, ListedParent>();
  for (const [id, entry] of known) if (now - entry.at >= RELIST_MS) known.delete(id);
  const parents: ParentInfo[] = [];
  for (const p of picked) {
    const entry = known.get(p.hostId);
    if (
      entry && entry.addr === p.addr && entry.pieces === p.pieces &&
      closeScore(entry.score, p.score)
    ) {
      continue;
    }
    known.set(p.hostId, { addr: p.addr, pieces: p.pieces, score: p.score, at: now });
    parents.push(p);
  }
  const metaKey = input.meta.length === null ? null : JSON.stringify(input.meta);
  const sameMeta = trusted && metaKey !== null && previous.meta === metaKey;
  return {
    parents,
    meta: sameMeta ? null : input.meta,
    listing: { token: input.token, parents: known, meta: metaKey },
  };
}

function closeScore(listed: number, now: number): boolean {
  return Math.abs(now - listed) <= SCORE_DRIFT * Math.max(Math.abs(listed), 1e-9);
}
