/**
 * @module piece_store — the agent's piece cache on disk:
 * `<dir>/tasks/<id>/{data,meta.json}` per task and `<dir>/host-id`. It opens
 * what a previous run left, checks free space before a task starts, and
 * evicts least recently used finished tasks to honour the cache quota.
 */
import { statfs } from "node:fs/promises";
import { NoSpaceError, TaskNotFoundError } from "../errors.ts";
import { Bitset } from "../util/bitset.ts";
import type { Logger } from "../util/log.ts";
import { pieceCount } from "../util/piece_size.ts";
import { isTaskId } from "../util/task_id.ts";
import { formatBytes } from "../util/units.ts";
import { StoredTask, type TaskRecord } from "./stored_task.ts";

/** What a new task needs to be created. */
export interface NewTask {
  id: string;
  url: string;
  tag: string;
  length: number;
  pieceSize: number;
  etag: string | null;
  lastModified: string | null;
}

/** Options of {@link PieceStore.open}. */
export interface PieceStoreOptions {
  log: Logger;
  /** Cache quota in bytes; 0 means no quota. */
  cacheSize?: number;
  /** Free space that must remain after a task is reserved. */
  keepFree?: number;
  /** Reports free bytes of the store's file system (injectable for tests). */
  freeSpace?: (dir: string) => Promise<number>;
}

/** Free bytes available to an unprivileged writer on `dir`'s file system. */
export async function freeSpace(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** The set of tasks an agent holds on disk. */
export class PieceStore {
  readonly dir: string;
  readonly hostId: string;
  readonly cacheSize: number;
  #tasks = new Map<string, StoredTask>();
  #log: Logger;
  #keepFree: number;
  #freeSpace: (dir: string) => Promise<number>;
  /** Task ids a download is using right now: never evicted. */
  readonly busy = new Set<string>();
  /** Tasks and bytes evicted since the store was opened (for /metrics). */
  readonly evictions = { tasks: 0, bytes: 0 };

  private constructor(dir: string, hostId: string, options: PieceStoreOptions) {
    this.dir = dir;
    this.hostId = hostId;
    this.cacheSize = options.cacheSize ?? 0;
    this.#log = options.log;
    this.#keepFree = options.keepFree ?? 64 * 2 ** 20;
    this.#freeSpace = options.freeSpace ?? freeSpace;
  }

  /** Opens (or creates) the store in `dir` and loads every task it holds. */
  static async open(dir: string, options: PieceStoreOptions): Promise<PieceStore> {
    await Deno.mkdir(`${dir}/tasks`, { recursive: true });
    const store = new PieceStore(dir, await loadHostId(dir), options);
    for await (const entry of Deno.readDir(`${dir}/tasks`)) {
      if (!entry.isDirectory) continue;
      const task = await store.#load(entry.name);
      if (task) store.#tasks.set(task.id, task);
    }
    return store;
  }

  async #load(name: string): Promise<StoredTask | null> {
    const dir = `${this.dir}/tasks/${name}`;
    try {
      const record = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)) as TaskRecord;
      const stat = await Deno.stat(`${dir}/data`);
      if (
        record.version !== 1 || record.id !== name || !isTaskId(name) ||
        stat.size !== record.length ||
        record.digests.length !== pieceCount(record.length, record.pieceSize)
      ) {
        throw new Error("meta does not match data");
      }
      return new StoredTask(dir, record);
    } catch (err) {
      // A task created but never persisted (crash before the first meta) or damaged.
      this.#log.warn("dropping unreadable task", { task: name, error: String(err) });
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      return null;
    }
  }

  /** The stored task with this id, if any. */
  get(id: string): StoredTask | undefined {
    return this.#tasks.get(id);
  }

  /** The stored task with this id; throws {@link TaskNotFoundError}. */
  require(id: string): StoredTask {
    const task = this.#tasks.get(id);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  /** All stored tasks. */
  list(): StoredTask[] {
    return [...this.#tasks.values()];
  }

  /** Bytes the cache holds (full lengths: partial tasks reserve their space). */
  usage(): number {
    let total = 0;
    for (const t of this.#tasks.values()) total += t.length;
    return total;
  }

  /**
   * Creates a task's files after checking that it fits: on the disk (minus
   * what unfinished tasks still need) and within the cache quota, evicting
   * least recently used finished tasks that nobody uses if that helps.
   */
  async create(task: NewTask): Promise<StoredTask> {
    const existing = this.#tasks.get(task.id);
    if (existing) return existing;
    await this.#ensureRoom(task.length, task.id);
    const dir = `${this.dir}/tasks/${task.id}`;
    await Deno.mkdir(dir, { recursive: true });
    const file = await Deno.open(`${dir}/data`, { create: true, write: true, truncate: true });
    await file.truncate(task.length);
    file.close();
    const count = pieceCount(task.length, task.pieceSize);
    const now = Date.now();
    const stored = new StoredTask(dir, {
      version: 1,
      ...task,
      digests: new Array(count).fill(null),
      verified: new Bitset(count).toBase64(),
      createdAt: now,
      lastAccess: now,
    });
    await stored.persist();
    this.#tasks.set(task.id, stored);
    return stored;
  }

  async #ensureRoom(length: number, id: string): Promise<void> {
    if (this.cacheSize > 0 && length > this.cacheSize) {
      throw new NoSpaceError(
        `Cannot store task ${id.slice(0, 12)}: ${
          formatBytes(length)
        } is larger than the cache quota of ${formatBytes(this.cacheSize)}`,
      );
    }
    if (this.cacheSize > 0) await this.evict(this.cacheSize - length);
    let pending = 0;
    for (const t of this.#tasks.values()) pending += t.length - t.verifiedBytes;
    let free = await this.#freeSpace(this.dir) - pending - this.#keepFree;
    if (free < length) {
      await this.evict(this.usage() - (length - free));
      free = await this.#freeSpace(this.dir) - pending - this.#keepFree;
    }
    if (free < length) {
      throw new NoSpaceError(
        `Cannot store task ${id.slice(0, 12)}: needs ${formatBytes(length)}, ${
          formatBytes(Math.max(0, free))
        } free in ${this.dir} (after unfinished tasks and ${
          formatBytes(this.#keepFree)
        } kept spare)`,
      );
    }
  }

  /**
   * Removes least recently used finished tasks that nobody is using until
   * usage is at most `target` bytes (or nothing more can go). Returns the ids removed.
   */
  async evict(target: number): Promise<string[]> {
    const removed: string[] = [];
    const candidates = this.list()
      .filter((t) => t.complete && t.readers === 0 && !this.busy.has(t.id))
      .sort((a, b) => a.lastAccess - b.lastAccess);
    for (const task of candidates) {
      if (this.usage() <= target) break;
      await this.remove(task.id);
      removed.push(task.id);
      this.evictions.tasks++;
      this.evictions.bytes += task.length;
      this.#log.info("evicted task", { task: task.id, bytes: task.length });
    }
    return removed;
  }

  /** Deletes a task's files. */
  async remove(id: string): Promise<void> {
    const task = this.#tasks.get(id);
    if (!task) return;
    this.#tasks.delete(id);
    await task.close();
    await Deno.remove(task.dir, { recursive: true }).catch(() => {});
  }

  /** Flushes every task's meta and closes files. */
  async close(): Promise<void> {
    await Promise.all(this.list().map((t) => t.close()));
  }
}

async function loadHostId(dir: string): Promise<string> {
  const path = `${dir}/host-id`;
  try {
    const id = (await Deno.readTextFile(path)).trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const id = crypto.randomUUID().replaceAll("-", "");
  await Deno.writeTextFile(`${path}.tmp`, id + "\n");
  await Deno.rename(`${path}.tmp`, path);
  return id;
}
