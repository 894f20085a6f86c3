/**
 * @module range — the HTTP `Range` header of a blob request, as a byte
 * window of a file of known length.
 */

/** Bytes `[start, end)` of the file. */
export interface ByteWindow {
  start: number;
  end: number;
}

/**
 * Parses a single `bytes=` range against `length`. Returns null when the
 * whole file should be sent (no header, another unit, several ranges, or a
 * malformed value — RFC 9110 lets a server ignore those), and
 * "unsatisfiable" for a range wholly past the end (answered 416).
 *
 * @example
 * ```ts
 * import { parseRange } from "./range.ts";
 * const w = parseRange("bytes=10-19", 100);
 * if (w === null || w === "unsatisfiable" || w.start !== 10 || w.end !== 20) throw new Error();
 * if (parseRange("bytes=-5", 100) === null) throw new Error();
 * if (parseRange("bytes=100-", 100) !== "unsatisfiable") throw new Error();
 * ```
 */
export function parseRange(
  header: string | null,
  length: number,
): ByteWindow | "unsatisfiable" | null {
  if (header === null) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, length - suffix), end: length };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return null;
  if (start >= length) return "unsatisfiable";
  const last = m[2] === "" ? length - 1 : Number(m[2]);
  return { start, end: Math.min(last + 1, length) };
}

/** `Content-Range` of a 206 answer. */
export function contentRange(window: ByteWindow, length: number): string {
  return `bytes ${window.start}-${window.end - 1}/${length}`;
}

/**
 * The pieces `[first, last]` that hold `window`.
 *
 * @example
 * ```ts
 * import { coveringPieces } from "./range.ts";
 * const p = coveringPieces({ start: 5, end: 9 }, 4);
 * if (p.first !== 1 || p.last !== 2) throw new Error();
 * ```
 */
export function coveringPieces(
  window: ByteWindow,
  pieceSize: number,
): { first: number; last: number } {
  return {
    first: Math.floor(window.start / pieceSize),
    last: Math.floor((window.end - 1) / pieceSize),
  };
}
