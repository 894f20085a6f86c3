/**
 * @module piece_spread — a seed gives each piece to the swarm once before it
 * gives any piece twice (BitTorrent's super-seeding, decided by the seed).
 *
 * Why: downloaders that start together ask the seed for the same pieces at
 * the same moment, before anyone holds them, and the origin host sends several
 * copies (measured in docs/SWARM.md). No downloader or tracker can see a
 * request in flight to the seed; the seed can. So a seed refuses a piece that
 * is on its way to someone else, or that it finished sending less than a hold
 * time ago (the swarm then has it, or will within a report interval), and
 * suggests pieces nobody has had from it yet. A refused downloader takes a
 * suggestion and gets the refused piece from peers. After the hold time a
 * piece is served again, so a recipient that died or is slow delays the
 * others by at most that long.
 *
 * It also sends only a few pieces at a time: on a slow link N pieces sent at
 * once each take N times as long, and none is shareable until it is whole
 * (measured: 13 pieces at once on 25 Mbit/s took 17 s before the swarm had
 * any). Sent one after another, the first is with a peer in a second.
 *
 * Pure bookkeeping: the caller passes the clock and the randomness.
 */

/** Why a request was refused, and what to ask for instead. */
export interface SpreadRefusal {
  /** Milliseconds until the refused piece may be asked for again. */
  retryAfterMs: number;
  /** Pieces nobody has had from this seed yet (empty once every piece went out). */
  suggest: number[];
  /**
   * The peer that last had the whole refused piece from this seed (as its
   * requests named it), once those bytes have had time to land; null when
   * none. The asker takes the piece from there: without it, an asker whose
   * tracker answers do not list that peer yet came back after the hold and
   * got a second copy (measured at N = 32).
   */
  holder?: string | null;
}

/** Options of {@link PieceSpread}. */
export interface PieceSpreadOptions {
  /** How long a piece sent once is held back before it is served again. */
  holdMs: number;
  /** At most this many suggestions per refusal. */
  maxSuggestions?: number;
  /** Uploads of this task at once; more are refused for {@link BUSY_RETRY_MS} (default 4). */
  maxUploads?: number;
}

/**
 * Askers a ledger remembers having sent to a holder (about 100 bytes each);
 * past it, askers are refused for the hold time only, as without names.
 */
const MAX_TOLD = 16_384;

/**
 * How long a holder some asker could not get a piece from is no longer named
 * (as long as a downloader avoids a parent it could not reach). Without it,
 * after the first downloaders had left, every later one was sent to them for
 * every piece and came back: one wasted request per piece (measured: 256 MiB
 * from a seed on loopback in 2.3 s instead of 0.5 s).
 */
export const DOUBT_MS = 30_000;

/** Doubted holders remembered at most (expired ones are dropped first). */
const MAX_DOUBTED = 4_096;

/** How long a downloader refused because every upload slot is taken waits. */
export const BUSY_RETRY_MS = 300;

/**
 * What one seed has sent of one task: per piece, uploads in flight, completed
 * uploads and when the last one completed.
 *
 * @example
 * ```ts
 * import { PieceSpread } from "./piece_spread.ts";
 * const spread = new PieceSpread(4, { holdMs: 2000 });
 * if (spread.admit(0, 0, Math.random) !== null) throw new Error("a fresh piece is served");
 * spread.started(0);
 * const no = spread.admit(0, 10, Math.random); // on its way to another downloader
 * if (no === null || no.suggest.includes(0)) throw new Error("refused, with other pieces");
 * spread.finished(0, true, 100);
 * if (spread.admit(0, 2100, Math.random) !== null) throw new Error("served again after the hold");
 * ```
 */
export class PieceSpread {
  readonly pieceCount: number;
  readonly #holdMs: number;
  readonly #maxSuggestions: number;
  readonly #maxUploads: number;
  #uploads = 0;
  readonly #inFlight: Uint16Array;
  readonly #sends: Uint32Array;
  /** When the last complete upload of each piece ended (-Infinity: never). */
  readonly #lastSent: Float64Array;
  /** Who received each piece's last complete upload (null: unknown). */
  readonly #holders: (string | null)[];
  /** Askers already told each piece's holder. */
  readonly #told = new Map<number, Set<string>>();
  #toldCount = 0;
  /** Holders an asker came back from, until when they are not named. */
  readonly #doubted = new Map<string, number>();
  /** Pieces neither sent nor in flight (kept to suggest them without a scan). */
  #fresh: number;

  constructor(pieceCount: number, options: PieceSpreadOptions) {
    this.pieceCount = pieceCount;
    this.#holdMs = options.holdMs;
    this.#maxSuggestions = options.maxSuggestions ?? 16;
    this.#maxUploads = options.maxUploads ?? 4;
    this.#inFlight = new Uint16Array(pieceCount);
    this.#sends = new Uint32Array(pieceCount);
    this.#lastSent = new Float64Array(pieceCount).fill(-Infinity);
    this.#holders = new Array(pieceCount).fill(null);
    this.#fresh = pieceCount;
  }

  /** True when `piece` may be served at `now`. */
  #servable(piece: number, now: number): boolean {
    return this.#inFlight[piece] === 0 &&
      (this.#sends[piece] === 0 || now - this.#lastSent[piece] >= this.#holdMs);
  }

  /**
   * Null when `piece` may be served now to `asker` (as its request named
   * it); otherwise when to come back and what to take instead.
   *
   * An asker that names itself is first sent to the piece's holder, however
   * long ago the piece went out: the hold alone let askers that came late
   * have a second copy while the one peer holding it was still spreading it
   * (measured at N = 32). One that comes back after that was not served by
   * the holder, and is treated as before: served once the hold is over. Its
   * return also makes the holder doubted: it is named to nobody for
   * {@link DOUBT_MS}, or until it takes another whole piece from this seed.
   * (The hold still applies: a holder that failed one asker may serve others.)
   */
  admit(
    piece: number,
    now: number,
    random: () => number,
    asker: string | null = null,
  ): SpreadRefusal | null {
    if (this.#uploads >= this.#maxUploads) return { retryAfterMs: BUSY_RETRY_MS, suggest: [] };
    // lastSent already counts the time the bytes take to land (see finished).
    let holder = this.#sends[piece] > 0 && now >= this.#lastSent[piece]
      ? this.#holders[piece]
      : null;
    if (holder !== null && asker !== null && asker !== holder && this.#inFlight[piece] === 0) {
      if (this.#told.get(piece)?.has(asker)) this.#doubt(holder, now);
      // Come back at once if the holder cannot serve you (one you found
      // failing already, say): you are served then, after the hold.
      else if (!this.#isDoubted(holder, now) && this.#nameHolderTo(piece, asker)) {
        return { retryAfterMs: 1, suggest: [], holder };
      }
    }
    if (holder !== null && this.#isDoubted(holder, now)) holder = null;
    if (this.#servable(piece, now)) return null;
    const retryAfterMs = this.#inFlight[piece] > 0
      ? this.#holdMs
      : Math.max(1, this.#holdMs - (now - this.#lastSent[piece]));
    return { retryAfterMs, suggest: this.#suggestions(random), holder };
  }

  /** `holder` failed an asker it was named to. */
  #doubt(holder: string, now: number): void {
    if (this.#doubted.size >= MAX_DOUBTED) {
      for (const [h, until] of this.#doubted) if (until <= now) this.#doubted.delete(h);
      if (this.#doubted.size >= MAX_DOUBTED) return;
    }
    this.#doubted.set(holder, now + DOUBT_MS);
  }

  #isDoubted(holder: string, now: number): boolean {
    const until = this.#doubted.get(holder);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#doubted.delete(holder);
    return false;
  }

  /** Records that `asker` is told who holds `piece`; false if it was told before (or the book is full). */
  #nameHolderTo(piece: number, asker: string): boolean {
    let told = this.#told.get(piece);
    if (told?.has(asker) || this.#toldCount >= MAX_TOLD) return false;
    if (!told) this.#told.set(piece, told = new Set());
    told.add(asker);
    this.#toldCount++;
    return true;
  }

  /**
   * Never-sent pieces, from a random starting point so that refused
   * downloaders spread out. Pieces sent before are not suggested even after
   * their hold: the swarm has them, and suggesting them would make the seed
   * send them again (measured: 15 extra pieces of 50 at N = 8).
   */
  #suggestions(random: () => number): number[] {
    const out: number[] = [];
    const n = this.pieceCount;
    if (n === 0 || this.#fresh === 0) return out;
    const start = Math.floor(random() * n) % n;
    for (let k = 0; k < n && out.length < this.#maxSuggestions; k++) {
      const i = (start + k) % n;
      if (this.#inFlight[i] === 0 && this.#sends[i] === 0) out.push(i);
    }
    return out;
  }

  /** An upload of `piece` begins. */
  started(piece: number): void {
    if (this.#inFlight[piece] === 0 && this.#sends[piece] === 0) this.#fresh--;
    this.#inFlight[piece]++;
    this.#uploads++;
  }

  /**
   * An upload of `piece` ended; `complete` when every byte went out. `tookMs`
   * (how long the upload ran) extends the hold: "went out" means handed to the
   * kernel, and on a congested link the socket and queue buffers deliver the
   * last megabytes about that much later (measured: resends at N = 8–16 with
   * the hold counted from the hand-over alone). `recipient` is the asker as
   * its request named it, handed to later askers as the piece's holder.
   */
  finished(
    piece: number,
    complete: boolean,
    now: number,
    tookMs = 0,
    recipient: string | null = null,
  ): void {
    if (this.#inFlight[piece] > 0) {
      this.#inFlight[piece]--;
      this.#uploads--;
    }
    if (complete) {
      this.#sends[piece]++;
      this.#lastSent[piece] = now + tookMs;
      this.#holders[piece] = recipient;
      // It just took a whole piece from us: it is there.
      if (recipient !== null) this.#doubted.delete(recipient);
    } else if (this.#inFlight[piece] === 0 && this.#sends[piece] === 0) {
      this.#fresh++;
    }
  }

  /** Completed uploads of `piece`. */
  sends(piece: number): number {
    return this.#sends[piece];
  }
}

/**
 * The spread ledgers of a seed's tasks, the least recently used dropped past
 * `max` (a dropped ledger only forgets what was sent: the next requests are
 * served).
 */
export class SpreadLedgers {
  readonly #ledgers = new Map<string, PieceSpread>();
  readonly #options: PieceSpreadOptions;
  readonly #max: number;

  constructor(options: PieceSpreadOptions, max = 256) {
    this.#options = options;
    this.#max = max;
  }

  /** The ledger of `taskId` with `pieceCount` pieces (a new one when the count differs). */
  of(taskId: string, pieceCount: number): PieceSpread {
    let ledger = this.#ledgers.get(taskId);
    this.#ledgers.delete(taskId);
    if (!ledger || ledger.pieceCount !== pieceCount) {
      ledger = new PieceSpread(pieceCount, this.#options);
    }
    this.#ledgers.set(taskId, ledger);
    if (this.#ledgers.size > this.#max) {
      this.#ledgers.delete(this.#ledgers.keys().next().value!);
    }
    return ledger;
  }
}
