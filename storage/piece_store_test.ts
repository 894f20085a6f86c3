import assert from "node:assert/strict";
import { NoSpaceError } from "../errors.ts";
import { createLogger, setLogLevel } from "../util/log.ts";
import { type NewTask, PieceStore } from "./piece_store.ts";

setLogLevel("error");
const log = createLogger("test");

function newTask(id: string, length = 10 * 2 ** 20): NewTask {
  return {
    id: id.repeat(64).slice(0, 64),
    url: "http://origin/f",
    tag: "",
    length,
    pieceSize: 4 * 2 ** 20,
    etag: null,
    lastModified: null,
  };
}

function writePiece(store: PieceStore, id: string, index: number, byte: number) {
  const task = store.require(id);
  const bytes = new Uint8Array(task.pieceLength(index)).fill(byte);
  task.writeAt(index * task.pieceSize, bytes);
  task.markVerified(index, "d".repeat(64));
}

Deno.test("PieceStore() keeps a stable host id and reloads verified pieces after a restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await PieceStore.open(dir, { log });
    const task = await store.create(newTask("a"));
    assert.equal(task.pieceCount, 3);
    writePiece(store, task.id, 1, 7);
    await store.close();

    const again = await PieceStore.open(dir, { log });
    assert.equal(again.hostId, store.hostId);
    const back = again.require(task.id);
    assert.deepEqual([...back.verified], [1]);
    assert.equal(back.digests[1], "d".repeat(64));
    const bytes = new Uint8Array(await new Response(back.readPiece(1)).arrayBuffer());
    assert.equal(bytes.length, 4 * 2 ** 20);
    assert.ok(bytes.every((b) => b === 7));
    await again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PieceStore() drops a task whose data file does not match its meta", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await PieceStore.open(dir, { log });
    const task = await store.create(newTask("b"));
    await store.close();
    await Deno.truncate(`${task.dir}/data`, 5);
    const again = await PieceStore.open(dir, { log });
    assert.equal(again.get(task.id), undefined);
    await again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PieceStore.create() refuses a task that cannot fit on the disk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await PieceStore.open(dir, {
      log,
      keepFree: 0,
      freeSpace: () => Promise.resolve(5 * 2 ** 20),
    });
    await assert.rejects(() => store.create(newTask("c")), (err: Error) => {
      assert.ok(err instanceof NoSpaceError);
      assert.match(err.message, /needs 10\.0 MiB, 5\.0 MiB free/);
      return true;
    });
    assert.equal(store.list().length, 0);
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PieceStore.create() evicts least recently used finished tasks to honour the quota", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await PieceStore.open(dir, { log, cacheSize: 20 * 2 ** 20 });
    const old = await store.create(newTask("1", 8 * 2 ** 20));
    const recent = await store.create(newTask("2", 8 * 2 ** 20));
    for (const t of [old, recent]) {
      for (let i = 0; i < t.pieceCount; i++) writePiece(store, t.id, i, 1);
    }
    old.lastAccess = 1;
    recent.lastAccess = 2;
    await store.create(newTask("3", 8 * 2 ** 20));
    assert.equal(store.get(old.id), undefined);
    assert.ok(store.get(recent.id));
    assert.deepEqual(store.evictions, { tasks: 1, bytes: 8 * 2 ** 20 });
    await assert.rejects(() => store.create(newTask("4", 30 * 2 ** 20)), NoSpaceError);
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StoredTask.placeAt() hard-links a finished task and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await PieceStore.open(`${dir}/store`, { log });
    const task = await store.create(newTask("e", 5));
    writePiece(store, task.id, 0, 9);
    await task.persist();
    const out = `${dir}/out.bin`;
    assert.equal(await task.placeAt(out), "hardlink");
    assert.deepEqual(await Deno.readFile(out), new Uint8Array(5).fill(9));
    assert.equal((await Deno.stat(out)).ino, (await Deno.stat(task.dataPath)).ino);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["out.bin", "store"]);
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
