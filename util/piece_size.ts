/**
 * @module piece_size — how a task is cut into pieces. Shared by the tracker
 * (which decides) and the agent (which must agree when it is the first to see
 * the source, or works without a tracker).
 */

/** Smallest and default piece size: 4 MiB. */
export const MIN_PIECE_SIZE = 4 * 2 ** 20;
/** Largest piece size: 64 MiB. */
export const MAX_PIECE_SIZE = 64 * 2 ** 20;
/** Files up to this length use {@link MIN_PIECE_SIZE}. */
export const SMALL_FILE_LIMIT = 2 * 2 ** 30;
/** Above {@link SMALL_FILE_LIMIT}, aim for about this many pieces. */
export const TARGET_PIECES = 500;

/**
 * Piece size for a file of `length` bytes: 4 MiB up to 2 GiB, then the next
 * power of two of length/500, capped at 64 MiB (Dragonfly 2's rule).
 *
 * @example
 * ```ts
 * import { pieceSize } from "./piece_size.ts";
 * if (pieceSize(3 * 2 ** 30) !== 8 * 2 ** 20) throw new Error();
 * ```
 */
export function pieceSize(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(
      `Cannot size pieces as length must be a non-negative integer: current value is ${length}`,
    );
  }
  if (length <= SMALL_FILE_LIMIT) return MIN_PIECE_SIZE;
  let size = MIN_PIECE_SIZE;
  while (size < length / TARGET_PIECES && size < MAX_PIECE_SIZE) size *= 2;
  return size;
}

/** Number of pieces of a `length`-byte file cut into `size`-byte pieces. */
export function pieceCount(length: number, size: number): number {
  return Math.ceil(length / size);
}

/** Byte range `[start, end)` of piece `index`. */
export function pieceRange(
  length: number,
  size: number,
  index: number,
): { start: number; end: number } {
  const start = index * size;
  return { start, end: Math.min(length, start + size) };
}
