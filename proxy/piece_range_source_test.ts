import assert from "node:assert/strict";
import { DigestMismatchError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import { PieceRangeSource, type PieceRangeSourceOptions } from "./piece_range_source.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const FILE = Uint8Array.from({ length: 10 }, (_, i) => i);

/** A task of 10 bytes in pieces of 4; pieces in `failing` reject, the rest are verified. */
function options(
  window: { start: number; end: number },
  failing: Set<number>,
  extra: Partial<PieceRangeSourceOptions> = {},
): PieceRangeSourceOptions {
  return {
    download: {
      id: "t",
      done: Promise.resolve() as unknown as PieceRangeSourceOptions["download"]["done"],
      waitPiece: (i) => failing.has(i) ? Promise.reject(new Error("peer gone")) : Promise.resolve(),
    },
    stored: {
      length: FILE.length,
      pieceSize: 4,
      readRange: (start, end) => ReadableStream.from([FILE.slice(start, end)]),
    },
    window,
    awaitDoneBeforeLast: false,
    resume: () => Promise.resolve(null),
    log: quiet,
    ...extra,
  };
}

async function collect(source: PieceRangeSource): Promise<number[]> {
  const chunks = await Array.fromAsync(new ReadableStream(source));
  return chunks.flatMap((c) => [...c]);
}

Deno.test("PieceRangeSource streams exactly the window across pieces", async () => {
  assert.deepEqual(await collect(new PieceRangeSource(options({ start: 3, end: 9 }, new Set()))), [
    3,
    4,
    5,
    6,
    7,
    8,
  ]);
  assert.throws(() => new PieceRangeSource(options({ start: 0, end: 11 }, new Set())));
});

Deno.test("PieceRangeSource continues from upstream when a piece fails mid-body", async () => {
  let resumedAt = -1;
  const source = new PieceRangeSource(options({ start: 1, end: 10 }, new Set([1]), {
    resume: (offset) => {
      resumedAt = offset;
      // Upstream sends the rest of the file from `offset`, in two chunks.
      return Promise.resolve(ReadableStream.from([FILE.slice(offset, 6), FILE.slice(6)]));
    },
  }));
  assert.deepEqual(await collect(source), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(resumedAt, 4);
});

Deno.test("PieceRangeSource errors (never ends short) when nothing can resume", async () => {
  const source = new PieceRangeSource(options({ start: 0, end: 10 }, new Set([2])));
  await assert.rejects(collect(source), /peer gone/);
});

Deno.test("PieceRangeSource holds a blob's last piece until its digest check, and never resumes after a mismatch", async () => {
  let resumed = false;
  const mismatch = new DigestMismatchError("task t", "a".repeat(64), "b".repeat(64));
  const done = Promise.reject(mismatch);
  done.catch(() => {});
  const source = new PieceRangeSource(options({ start: 0, end: 10 }, new Set(), {
    download: {
      id: "t",
      done: done as unknown as PieceRangeSourceOptions["download"]["done"],
      waitPiece: () => Promise.resolve(),
    },
    awaitDoneBeforeLast: true,
    resume: () => {
      resumed = true;
      return Promise.resolve(ReadableStream.from([FILE]));
    },
  }));
  const reader = new ReadableStream(source).getReader();
  const got: number[] = [];
  await assert.rejects(async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      got.push(...value);
    }
  }, DigestMismatchError);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7], "the last piece was never sent");
  assert.equal(resumed, false);
});
