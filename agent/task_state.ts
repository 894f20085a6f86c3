/**
 * @module task_state — the piece bookkeeping of one download: known parents
 * and what they hold, digests, requests in flight, and what is still to be
 * reported to the tracker. Only the task's download loop changes it; fetches
 * report back through its methods. No I/O here.
 */
import { Bitset } from "../util/bitset.ts";
import type {
  AnnounceResponse,
  FailureReason,
  ParentInfo,
  PeerRef,
  PieceFailure,
} from "../wire.ts";
import type { ParentView } from "./parent_choice.ts";
import type { PieceView } from "./piece_choice.ts";

/** A parent the tracker handed out, with what this downloader measured. */
export interface KnownParent extends ParentView {
  addr: string;
  idc: string;
  seed: boolean;
  /** Pieces it holds; null until the piece count is known. */
  pieces: Bitset | null;
  /** The last bitmap the tracker sent (kept to decode once the piece count is known). */
  rawPieces: string;
  blockedUntil: number;
  failures: number;
  /** When a piece transfer from it last failed (-Infinity: never). */
  failedAt: number;
  /** Why the last failed transfer from it failed (null: none failed). */
  lastFailure: FailureReason | null;
  /** Told us to come back (429) until then. */
  busyUntil: number;
  /** Pieces a seed held back (piece_spread), until when. */
  deferred: Map<number, number>;
  /** Pieces the seed last suggested instead, best first. */
  suggest: number[];
  /** When the tracker last listed it. */
  listedAt: number;
  /** Pieces a seed said it sent here, not yet seen in the tracker's bitmap of it. */
  hinted: Set<number>;
}

/** One request in flight for a piece. */
export interface PieceRequest {
  piece: number;
  /** Parent host id, or "source". */
  from: string;
  /** Writes to disk as it arrives (the piece's one writer) or buffers (endgame duplicate). */
  mode: "disk" | "memory";
  controller: AbortController;
  /** Settles (never rejects) when the transfer has stopped touching the disk. */
  settled?: Promise<void>;
  /** Bytes it has received so far (to the disk or the endgame buffer). */
  received?: number;
  /** When the request went out (the downloader's clock). */
  startedAt?: number;
}

/** How long a parent is avoided after a failure of each kind. */
export const BLOCK_MS: Record<FailureReason, number> = {
  connect: 30_000,
  timeout: 5_000,
  http: 5_000,
  digest: 600_000,
};

/** A parent that failed within this long gets no endgame duplicates (see chooseParent). */
const RECENT_FAILURE_MS = 30_000;

/** A hinted holder that does not have the piece yet is asked again after this long. */
export const NOT_YET_MS = 500;

/** Parents not listed by the tracker for this long are forgotten. */
const PARENT_FORGET_MS = 15_000;

/** The download-side state of one task. */
export class TaskState {
  pieceCount: number | null = null;
  have: Bitset | null = null;
  /** sha256 hex per piece (null = unknown). Before the count is known, kept in `#early`. */
  digests: (string | null)[] = [];
  #early = new Map<number, string>();
  digestCursor = 0;
  readonly parents = new Map<string, KnownParent>();
  readonly inFlight = new Map<number, PieceRequest[]>();
  /** Pieces verified since the last announce. */
  pendingHave: number[] = [];
  /** The next announce sends the full set (tracker asked, or first contact). */
  fullReport = true;
  /** Digests computed from the source, not yet reported. */
  pendingDigests: [number, string][] = [];
  pendingFailures: PieceFailure[] = [];
  /** The tracker sends this peer to the source. */
  backToSource = false;
  /** Token of the last answer applied; the tracker leaves out parents it listed before. */
  listing = 0;

  /** Sets the piece count (once), decoding what arrived before it. */
  setPieceCount(count: number, have?: Bitset): void {
    if (this.pieceCount !== null) return;
    this.pieceCount = count;
    this.have = have ?? new Bitset(count);
    this.digests = new Array(count).fill(null);
    for (const [i, d] of this.#early) if (i < count) this.digests[i] = d;
    this.#early.clear();
    for (const p of this.parents.values()) p.pieces = decode(count, p.rawPieces);
  }

  /** Records a digest (from the tracker, the source or the store). */
  setDigest(index: number, digest: string): void {
    if (this.pieceCount === null) this.#early.set(index, digest);
    else if (index < this.pieceCount && this.digests[index] === null) this.digests[index] = digest;
  }

  /** Takes in what the tracker answered. */
  applyAnnounce(res: AnnounceResponse, now: number): void {
    for (const [i, d] of res.digests) this.setDigest(i, d);
    this.digestCursor = Math.max(this.digestCursor, res.digestCursor);
    this.backToSource = res.backToSource;
    if (res.resync) this.fullReport = true;
    this.listing = res.listing;
    for (const info of res.parents) this.#mergeParent(info, now);
    for (const [id, p] of this.parents) {
      if (now - p.listedAt > PARENT_FORGET_MS && p.inFlight === 0) this.parents.delete(id);
    }
  }

  #mergeParent(info: ParentInfo, now: number): void {
    const known = this.parents.get(info.hostId);
    const pieces = this.pieceCount === null ? null : decode(this.pieceCount, info.pieces);
    if (known) {
      known.addr = info.addr;
      known.score = info.score;
      known.rawPieces = info.pieces;
      // Pieces are never lost while listed, so keep what we learned directly too.
      if (pieces && known.pieces) { for (const i of pieces) known.pieces.add(i); }
      else known.pieces = pieces;
      if (pieces) { for (const i of known.hinted) if (pieces.has(i)) known.hinted.delete(i); }
      known.listedAt = now;
      return;
    }
    const parent: KnownParent = {
      hostId: info.hostId,
      addr: info.addr,
      idc: info.idc,
      seed: info.seed,
      score: info.score,
      pieces,
      rawPieces: info.pieces,
      inFlight: 0,
      speed: null,
      blocked: false,
      blockedUntil: 0,
      failures: 0,
      failedAt: -Infinity,
      lastFailure: null,
      failedRecently: false,
      busyUntil: 0,
      busy: false,
      deferred: new Map(),
      suggest: [],
      listedAt: now,
      hinted: new Set(),
      has: (i) => (parent.pieces?.has(i) ?? false) && !parent.deferred.has(i),
    };
    this.parents.set(info.hostId, parent);
  }

  /** Refreshes each parent's `blocked` flag for `now`. */
  refreshBlocks(now: number): void {
    for (const p of this.parents.values()) {
      p.blocked = p.blockedUntil > now;
      p.failedRecently = now - p.failedAt < RECENT_FAILURE_MS;
      p.busy = p.busyUntil > now;
      for (const [i, until] of p.deferred) if (until <= now) p.deferred.delete(i);
    }
  }

  /**
   * The earliest moment after `now` at which a parent's rest ends (busy,
   * blocked, or a piece held back): the schedule may change then. Infinity
   * when none rests. The download loop wakes at it, so "come back in 1 ms"
   * from a seed costs 1 ms and not the loop's idle tick (measured: a second
   * downloader of a file whose first one had left waited ~100 ms a piece).
   */
  nextChangeAt(now: number): number {
    let next = Infinity;
    const later = (t: number) => {
      if (t > now && t < next) next = t;
    };
    for (const p of this.parents.values()) {
      later(p.busyUntil);
      later(p.blockedUntil);
      for (const until of p.deferred.values()) later(until);
    }
    return next;
  }

  /**
   * A parent told us to come back: a seed held `piece` back for `retryMs`
   * (it is on its way to another peer) and suggested other pieces, or every
   * upload slot was taken. Not a failure: nothing is reported. With no
   * suggestion it has nothing to send us now, so it is not asked that long,
   * yet it still counts as a holder (a seed is not asked in its place).
   */
  parentDeferred(hostId: string, piece: number, retryMs: number, suggest: number[], now: number) {
    const p = this.parents.get(hostId);
    if (!p) return;
    p.suggest = suggest;
    if (suggest.length === 0) {
      // The whole parent, not the piece: marking the piece would hide this
      // holder and send us to the seed for it (measured: seed resends).
      p.busyUntil = Math.max(p.busyUntil, now + retryMs);
      p.busy = true;
    } else {
      p.deferred.set(piece, now + retryMs);
    }
  }

  /**
   * A seed named `holder` as the peer it sent `piece` to: it becomes a known
   * holder of it (a new parent if the tracker has not listed it to us), so
   * the piece is taken from there and not from the seed again.
   */
  holderHinted(holder: PeerRef, piece: number, now: number): void {
    if (this.pieceCount === null || piece >= this.pieceCount) return;
    let p = this.parents.get(holder.hostId);
    if (!p) {
      let score = 1;
      for (const q of this.parents.values()) if (!q.seed) score = Math.max(score, q.score);
      const info = { hostId: holder.hostId, addr: holder.addr, idc: "", seed: false, score };
      this.#mergeParent({ ...info, pieces: new Bitset(this.pieceCount).toBase64() }, now);
      p = this.parents.get(holder.hostId)!;
    }
    if (p.seed || !p.pieces || p.pieces.has(piece)) return;
    p.pieces.add(piece);
    p.hinted.add(piece);
  }

  /**
   * A parent we only had a seed's word for answered that it does not hold
   * `piece` yet (its last bytes are still on the way): it rests for
   * {@link NOT_YET_MS} like a busy parent, still a holder (so the seed is
   * not asked in its place), with no failure counted or reported. True when
   * that was the case; false for a piece the tracker said it holds (a real
   * failure).
   */
  notHeldYet(hostId: string, piece: number, now: number): boolean {
    const p = this.parents.get(hostId);
    if (!p || !p.hinted.has(piece)) return false;
    p.busyUntil = Math.max(p.busyUntil, now + NOT_YET_MS);
    p.busy = true;
    return true;
  }

  /** Records a failed piece request: the parent is avoided for a while and reported. */
  parentFailed(hostId: string, piece: number, reason: FailureReason, now: number): void {
    this.pendingFailures.push({ hostId, piece, reason });
    const p = this.parents.get(hostId);
    if (!p) return;
    p.failures++;
    p.failedAt = now;
    p.lastFailure = reason;
    p.failedRecently = true;
    p.blockedUntil = Math.max(p.blockedUntil, now + BLOCK_MS[reason]);
    p.blocked = true;
  }

  /**
   * True while `hostId` is blocked after a failed connection: a host that
   * refuses or drops connections has most likely left (a timeout or a bad
   * answer may be a busy host and is not counted).
   */
  unreachable(hostId: string, now: number): boolean {
    const p = this.parents.get(hostId);
    return p !== undefined && p.lastFailure === "connect" && p.blockedUntil > now;
  }

  /** Folds a finished transfer into the parent's speed estimate. */
  parentServed(hostId: string, bytes: number, ms: number): void {
    const p = this.parents.get(hostId);
    if (!p || ms <= 0) return;
    const speed = bytes / (ms / 1000);
    p.speed = p.speed === null ? speed : 0.6 * p.speed + 0.4 * speed;
  }

  /** Marks a piece verified and queues it for the next announce. */
  pieceVerified(index: number, digest: string): boolean {
    this.setDigest(index, digest);
    if (!this.have!.add(index)) return false;
    this.pendingHave.push(index);
    return true;
  }

  /** Registers a request; returns it. */
  startRequest(req: PieceRequest): PieceRequest {
    const list = this.inFlight.get(req.piece) ?? [];
    list.push(req);
    this.inFlight.set(req.piece, list);
    const parent = this.parents.get(req.from);
    if (parent) parent.inFlight++;
    return req;
  }

  /** Unregisters a request. */
  endRequest(req: PieceRequest): void {
    const list = this.inFlight.get(req.piece);
    if (list) {
      const i = list.indexOf(req);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.inFlight.delete(req.piece);
    }
    const parent = this.parents.get(req.from);
    if (parent) parent.inFlight = Math.max(0, parent.inFlight - 1);
  }

  /** Requests in flight to peers (not the source). */
  peerRequests(): number {
    let n = 0;
    for (const list of this.inFlight.values()) {
      for (const r of list) if (r.from !== "source") n++;
    }
    return n;
  }

  /** True when some request for `piece` writes to disk. */
  hasDiskWriter(piece: number): boolean {
    return this.inFlight.get(piece)?.some((r) => r.mode === "disk") ?? false;
  }

  /** The piece view for {@link orderPieces}: availability counts only usable parents with digests. */
  view(): PieceView {
    const count = this.pieceCount ?? 0;
    const avail = new Uint16Array(count);
    for (const p of this.parents.values()) {
      if (p.blocked || !p.pieces) continue;
      for (let i = 0; i < count; i++) if (p.pieces.has(i)) avail[i]++;
    }
    for (let i = 0; i < count; i++) if (this.digests[i] === null) avail[i] = 0;
    return {
      pieceCount: count,
      have: (i) => this.have!.has(i),
      inFlight: (i) => this.inFlight.get(i)?.length ?? 0,
      availability: (i) => avail[i],
    };
  }
}

function decode(count: number, raw: string): Bitset | null {
  try {
    return Bitset.fromBase64(count, raw);
  } catch {
    return null;
  }
}
