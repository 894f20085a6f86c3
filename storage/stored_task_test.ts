import assert from "node:assert/strict";
import { createLogger, setLogLevel } from "../util/log.ts";
import { PieceStore } from "./piece_store.ts";
import type { StoredTask } from "./stored_task.ts";

setLogLevel("error");
const log = createLogger("test");

/** A byte pattern that differs from chunk to chunk, so a misplaced chunk shows. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >>> 12)) & 0xff;
  return bytes;
}

async function withTask(
  length: number,
  fn: (task: StoredTask, bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = await PieceStore.open(dir, { log });
  try {
    const task = await store.create({
      id: "e".repeat(64),
      url: "http://origin/f",
      tag: "",
      length,
      pieceSize: 4 * 2 ** 20,
      etag: null,
      lastModified: null,
    });
    const bytes = pattern(length);
    task.writeAt(0, bytes);
    await fn(task, bytes);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("StoredTask.readRange() hands out chunks the consumer may keep", async () => {
  // 1 MiB + 123 bytes: four full 256 KiB chunks and a short one.
  await withTask(2 ** 20 + 123, async (task, bytes) => {
    let ended = -1;
    const chunks = await Array.fromAsync(task.readRange(100, bytes.length, (n) => ended = n));
    assert.equal(chunks.length, 5);
    const joined = new Uint8Array(bytes.length - 100);
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.byteLength;
    }
    assert.equal(at, joined.length);
    assert.deepEqual(joined, bytes.subarray(100));
    assert.equal(ended, bytes.length - 100);
    assert.equal(task.readers, 0);
  });
});

Deno.test("StoredTask.readRange({ releaseOnPull }) detaches each chunk once the next is asked for", async () => {
  await withTask(2 ** 20 + 123, async (task, bytes) => {
    let ended = -1;
    const reader = task.readRange(0, bytes.length, (n) => ended = n, { releaseOnPull: true })
      .getReader();
    const got = new Uint8Array(bytes.length);
    let at = 0;
    let previous: Uint8Array | null = null;
    for (;;) {
      const { value, done } = await reader.read();
      // The chunk before this one has been let go of: its JS view is empty now.
      if (previous) assert.equal(previous.byteLength, 0);
      if (done) break;
      got.set(value, at); // a consumer that is done with a chunk before the next read
      at += value.byteLength;
      previous = value;
    }
    assert.equal(at, bytes.length);
    assert.deepEqual(got, bytes);
    assert.equal(ended, bytes.length);
    assert.equal(task.readers, 0);
  });
});

Deno.test("StoredTask.readRange({ releaseOnPull }) counts a cancelled read once", async () => {
  await withTask(2 ** 20, async (task) => {
    const ends: number[] = [];
    const reader = task.readRange(0, 2 ** 20, (n) => ends.push(n), { releaseOnPull: true })
      .getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    assert.deepEqual(ends, [2 * 256 * 1024]);
    assert.equal(task.readers, 0);
  });
});
