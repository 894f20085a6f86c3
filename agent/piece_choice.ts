/**
 * @module piece_choice — which pieces a downloader asks for next. Pure: the
 * caller passes what it holds, what is in flight and how many known parents
 * hold each piece, plus a `random` source.
 */

/** What a downloader knows when it picks pieces. */
export interface PieceView {
  pieceCount: number;
  /** True when the piece is verified locally. */
  have(index: number): boolean;
  /** Requests in flight for the piece (0 when none). */
  inFlight(index: number): number;
  /** Known parents that hold the piece and whose digest is known (0 = cannot fetch from peers). */
  availability(index: number): number;
  /** A caller is waiting for this piece right now (a stream in order): it may go first. */
  wanted?(index: number): boolean;
  /** Share (0–1) of the piece its transfer in flight has written (0 when unknown). */
  done?(index: number): number;
  /**
   * Endgame: the piece's transfer in flight is expected to end well after the
   * others (see {@link laggingTransfer}); only such pieces are duplicated.
   * Absent: every piece in flight may be.
   */
  lagging?(index: number): boolean;
}

/** Options of {@link orderPieces}. */
export interface OrderPiecesOptions {
  /** Until this many pieces are held, pick at random (spreads the swarm). */
  randomFirst: number;
  /** Endgame: at most this many requests for one piece at once. */
  maxDuplicates: number;
  /**
   * Endgame: a piece whose transfer has written at least this share is not
   * duplicated (a second copy would rarely win, and it halves the link for
   * both; measured in docs/SWARM.md). Default 1: duplicate regardless.
   */
  duplicateBelow?: number;
  random: () => number;
}

/** The pieces to try, best first, and whether they are endgame duplicates. */
export interface PieceOrder {
  pieces: number[];
  endgame: boolean;
}

/**
 * Orders the fetchable pieces: a few random ones first, then rarest first
 * (ties broken at random). When every fetchable missing piece is already in
 * flight, returns the endgame list instead: in-flight pieces that another
 * parent could also serve and whose transfer is not far along yet, least
 * duplicated first.
 *
 * @example
 * ```ts
 * import { orderPieces } from "./piece_choice.ts";
 * const avail = [3, 1, 2];
 * const order = orderPieces({
 *   pieceCount: 3, have: () => false, inFlight: () => 0, availability: (i) => avail[i],
 * }, { randomFirst: 0, maxDuplicates: 2, random: Math.random });
 * if (order.pieces.join() !== "1,2,0") throw new Error(order.pieces.join());
 * ```
 */
export function orderPieces(view: PieceView, options: OrderPiecesOptions): PieceOrder {
  const fresh: number[] = [];
  const duplicable: number[] = [];
  let held = 0;
  for (let i = 0; i < view.pieceCount; i++) {
    if (view.have(i)) {
      held++;
      continue;
    }
    const avail = view.availability(i);
    if (avail === 0) continue;
    const flying = view.inFlight(i);
    if (flying === 0) fresh.push(i);
    else if (
      flying < options.maxDuplicates && flying < avail &&
      (view.done?.(i) ?? 0) < (options.duplicateBelow ?? 1) && (view.lagging?.(i) ?? true)
    ) duplicable.push(i);
  }
  if (fresh.length > 0) {
    const keys = new Map<number, number>();
    for (const i of fresh) keys.set(i, options.random());
    if (held < options.randomFirst) {
      fresh.sort((a, b) => keys.get(a)! - keys.get(b)!);
    } else {
      fresh.sort((a, b) =>
        view.availability(a) - view.availability(b) || keys.get(a)! - keys.get(b)!
      );
    }
    // A streaming reader waits on one piece at a time: fetching it first is its time to first
    // byte. Only once two parents hold it, though: when every agent streams the same file at
    // once, they would otherwise all queue for the single first holder.
    const wanted = view.wanted;
    if (wanted) {
      const urgent = (i: number) => wanted(i) && view.availability(i) > 1;
      fresh.sort((a, b) => Number(urgent(b)) - Number(urgent(a)));
    }
    return { pieces: fresh, endgame: false };
  }
  duplicable.sort((a, b) => view.inFlight(a) - view.inFlight(b) || a - b);
  return { pieces: duplicable, endgame: duplicable.length > 0 };
}

/** How far one piece transfer has come. */
export interface TransferProgress {
  /** Bytes received so far. */
  received: number;
  /** Bytes of the piece. */
  length: number;
  /** Milliseconds since the request went out. */
  elapsedMs: number;
}

/** Options of {@link laggingTransfer}. */
export interface LaggingOptions {
  /** A transfer younger than this is never lagging (its rate says little yet). */
  minElapsedMs: number;
  /** Lagging: expected to take more than this many times the typical transfer. */
  lateFactor: number;
}

/**
 * The milliseconds a transfer will take in all at its average rate so far;
 * Infinity before its first byte.
 *
 * @example
 * ```ts
 * import { expectedTotalMs } from "./piece_choice.ts";
 * if (expectedTotalMs({ received: 1, length: 4, elapsedMs: 500 }) !== 2000) throw new Error();
 * ```
 */
export function expectedTotalMs(t: TransferProgress): number {
  return t.received > 0 ? t.elapsedMs * (t.length / t.received) : Infinity;
}

/**
 * The typical time of one piece transfer now: the lower median of recent
 * finished transfers' times and the expected times of those in flight.
 * Null when there is nothing to go by.
 *
 * @example
 * ```ts
 * import { typicalTransferMs } from "./piece_choice.ts";
 * const inFlight = [{ received: 2, length: 4, elapsedMs: 1000 }, { received: 0, length: 4, elapsedMs: 900 }];
 * if (typicalTransferMs([1500], inFlight) !== 2000) throw new Error();
 * ```
 */
export function typicalTransferMs(
  recentMs: readonly number[],
  inFlight: readonly TransferProgress[],
): number | null {
  const all = [...recentMs, ...inFlight.map(expectedTotalMs)].sort((a, b) => a - b);
  if (all.length === 0) return null;
  return all[Math.floor((all.length - 1) / 2)];
}

/**
 * Endgame: whether a second copy of a piece in flight is worth asking for.
 * Duplicating every piece in flight wastes a tenth of the bytes in a large
 * swarm whose links are evenly shared (docs/SWARM.md); duplicating only
 * transfers expected to take far longer than the typical one still rescues a
 * parent that went quiet or trickles, after `minElapsedMs`.
 *
 * @example
 * ```ts
 * import { laggingTransfer } from "./piece_choice.ts";
 * const options = { minElapsedMs: 1000, lateFactor: 2 };
 * const quiet = { received: 450, length: 4 << 20, elapsedMs: 1200 };
 * const even = { received: 1 << 20, length: 4 << 20, elapsedMs: 1200 };
 * if (!laggingTransfer(quiet, 4800, options) || laggingTransfer(even, 4800, options)) {
 *   throw new Error();
 * }
 * ```
 */
export function laggingTransfer(
  t: TransferProgress,
  typicalMs: number | null,
  options: LaggingOptions,
): boolean {
  if (t.elapsedMs < options.minElapsedMs) return false;
  if (typicalMs === null || !Number.isFinite(typicalMs)) return true;
  return expectedTotalMs(t) > options.lateFactor * typicalMs;
}
