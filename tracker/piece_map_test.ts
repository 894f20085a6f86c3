import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Bitset } from "../util/bitset.ts";
import { buildPieceMap } from "./piece_map.ts";

function bits(size: number, held: number[]): Bitset {
  const b = new Bitset(size);
  for (const i of held) b.add(i);
  return b;
}

const cellsOf = (b64: string) => [...Buffer.from(b64, "base64")];

Deno.test("buildPieceMap() gives one row per peer, most pieces first, when they fit", () => {
  const map = buildPieceMap("t", 4, [
    { label: "a:1", bitmap: bits(4, [0]) },
    { label: "b:1", bitmap: bits(4, [0, 1, 2, 3]) },
    { label: "c:1", bitmap: null },
  ], { rows: 10, cols: 10 });
  assert.equal(map.rows, 3);
  assert.equal(map.cols, 4);
  assert.deepEqual(map.rowLabels, ["b:1", "a:1", "c:1"]);
  assert.deepEqual(cellsOf(map.cells), [255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(map.availability, [2, 1, 1, 1]);
});

Deno.test("buildPieceMap() bands 1,000 peers and 5,000 pieces into a fixed grid", () => {
  const peers = Array.from({ length: 1000 }, (_, p) => ({
    label: `h${p}:1`,
    // peer p holds the first p*5 pieces
    bitmap: bits(5000, Array.from({ length: p * 5 }, (_, i) => i)),
  }));
  const map = buildPieceMap("t", 5000, peers, { rows: 50, cols: 200 });
  assert.equal(map.rows, 50);
  assert.equal(map.cols, 200);
  assert.equal(map.peers, 1000);
  assert.equal(map.rowLabels[0], "20 peers");
  const cells = cellsOf(map.cells);
  assert.equal(cells.length, 50 * 200);
  // The top band (peers 999…980) holds all of the first pieces; of the last 25
  // pieces its members hold 20, 15, 10, 5 and then none: 50 of 500.
  assert.equal(cells[0], 255);
  assert.equal(cells[199], Math.round(255 * 50 / 500));
  assert.equal(cells[49 * 200 + 199], 0);
  // Column 0 is pieces 0–24; piece 24 is held by the peers with p*5 > 24, i.e. 995 of them.
  assert.equal(map.availability[0], 995);
  // Pieces 4995–4999 are held by nobody; piece 4974 by peers 995–999.
  assert.equal(map.availability[199], 0);
  assert.equal(map.availability[198], 5);
});

Deno.test("buildPieceMap() answers an empty task", () => {
  const map = buildPieceMap("t", 0, [], { rows: 10, cols: 10 });
  assert.deepEqual([map.rows, map.cols, map.cells, map.availability], [0, 0, "", []]);
});
