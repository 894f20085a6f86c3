/**
 * @module piece_map — reduces a task's holders × pieces matrix to a fixed
 * number of cells, so the dashboard's piece map costs the same with 3 peers
 * or 1,000. Pure: takes plain data, returns a {@link PieceMap}.
 */
import { Buffer } from "node:buffer";
import type { Bitset } from "../util/bitset.ts";
import type { PieceMap } from "../wire.ts";

/** One peer as the piece map sees it. */
export interface PieceMapPeer {
  label: string;
  /** Pieces it holds (null while unknown). */
  bitmap: Bitset | null;
}

/** Upper bounds of a piece map's size. */
export interface PieceMapOptions {
  rows: number;
  cols: number;
}

/**
 * Builds the map: peers sorted by pieces held (most first) fill the rows, one
 * peer per row while they fit, bands of neighbours otherwise; pieces fill the
 * columns the same way. A cell is 255 × the fraction of its band's pieces held.
 *
 * @example
 * ```ts
 * import { buildPieceMap } from "./piece_map.ts";
 * import { Bitset } from "../util/bitset.ts";
 * const full = Bitset.full(4);
 * const map = buildPieceMap("t", 4, [{ label: "a", bitmap: full }], { rows: 8, cols: 8 });
 * if (map.rows !== 1 || map.cols !== 4 || map.availability.join() !== "1,1,1,1") throw new Error();
 * ```
 */
export function buildPieceMap(
  taskId: string,
  pieceCount: number,
  peers: readonly PieceMapPeer[],
  options: PieceMapOptions,
): PieceMap {
  const sorted = [...peers].sort((a, b) => (b.bitmap?.count ?? 0) - (a.bitmap?.count ?? 0));
  const rows = Math.min(sorted.length, Math.max(1, options.rows));
  const cols = Math.min(pieceCount, Math.max(1, options.cols));
  const rowOf = (p: number) => Math.floor(p * rows / sorted.length);
  const colStart = (c: number) => Math.floor(c * pieceCount / cols);
  const colOf = new Uint32Array(pieceCount);
  for (let c = 0; c < cols; c++) colOf.fill(c, colStart(c), colStart(c + 1));

  const held = new Uint32Array(rows * cols);
  const holders = new Uint32Array(pieceCount);
  const bandSize = new Uint32Array(rows);
  sorted.forEach((peer, p) => {
    const row = rowOf(p);
    bandSize[row]++;
    const bits = peer.bitmap;
    if (!bits || bits.size !== pieceCount) return;
    for (let byte = 0; byte < bits.bytes.length; byte++) {
      const b = bits.bytes[byte];
      if (b === 0) continue;
      for (let k = 0; k < 8; k++) {
        if ((b & (0x80 >> k)) === 0) continue;
        const i = byte * 8 + k;
        holders[i]++;
        held[row * cols + colOf[i]]++;
      }
    }
  });

  const cells = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const capacity = bandSize[r] * (colStart(c + 1) - colStart(c));
      cells[r * cols + c] = capacity ? Math.round(255 * held[r * cols + c] / capacity) : 0;
    }
  }
  const availability: number[] = [];
  for (let c = 0; c < cols; c++) {
    let min = Infinity;
    for (let i = colStart(c); i < colStart(c + 1); i++) min = Math.min(min, holders[i]);
    availability.push(min === Infinity ? 0 : min);
  }
  const rowLabels: string[] = [];
  for (let r = 0, p = 0; r < rows; r++) {
    rowLabels.push(bandSize[r] === 1 ? sorted[p].label : `${bandSize[r]} peers`);
    p += bandSize[r];
  }
  return {
    taskId,
    pieceCount,
    peers: sorted.length,
    rows,
    cols,
    rowLabels,
    cells: Buffer.from(cells).toString("base64"),
    availability,
  };
}
