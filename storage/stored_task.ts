/**
 * @module stored_task — one task in the agent's piece store: a data file the
 * size of the source file (sparse until written) and a `meta.json` recording
 * piece size, digests and which pieces are verified. Meta is written only
 * after the data it vouches for has been synced, so a restarted agent never
 * serves a piece it did not finish.
 */
import { Bitset } from "../util/bitset.ts";
import { pieceCount, pieceRange } from "../util/piece_size.ts";

/** What `meta.json` holds. */
export interface TaskRecord {
  version: 1;
  id: string;
  url: string;
  tag: string;
  length: number;
  pieceSize: number;
  etag: string | null;
  lastModified: string | null;
  /** sha256 hex per piece, null where not known yet. */
  digests: (string | null)[];
  /** Base64 bitset of verified pieces. */
  verified: string;
  createdAt: number;
  lastAccess: number;
}

/** Positioned writes into a task's data file for one transfer. */
export interface PieceWriter {
  writeAt(offset: number, bytes: Uint8Array): void;
  close(): void;
}

/** Options of {@link StoredTask.readRange} and {@link StoredTask.readPiece}. */
export interface ReadRangeOptions {
  /**
   * Detach each chunk's `ArrayBuffer` when the next chunk is pulled (and at
   * the end), so its memory is freed as soon as whoever else holds the
   * backing store lets go, not at V8's next full GC. A seed serving at link
   * speed otherwise piles up tens of MB of dead 256 KiB chunks (see
   * docs/SWARM.md, "Memory").
   *
   * Only for a consumer that is done with a chunk's JS object before it asks
   * for the next one: `Deno.serve`'s response-body pump (`resourceForReadableStream`
   * in Deno 2.9.6; agent/app_test.ts checks it) hands each chunk's
   * backing store to Rust (which keeps its own reference until the bytes are
   * on the socket) and only then reads again. A consumer that keeps chunks
   * (`Response.arrayBuffer()`, a `TransformStream` with a queue, a tee)
   * would find them emptied, so the default is off.
   */
  releaseOnPull?: boolean;
}

/** How a finished task reached the caller's output path. */
export type PlaceMethod = "hardlink" | "copy";

const READ_CHUNK = 256 * 1024;
const PERSIST_DELAY_MS = 500;

/** A task's files and piece bookkeeping on disk. */
export class StoredTask {
  readonly id: string;
  readonly url: string;
  readonly tag: string;
  readonly length: number;
  readonly pieceSize: number;
  readonly pieceCount: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly dir: string;
  readonly verified: Bitset;
  readonly digests: (string | null)[];
  readonly createdAt: number;
  lastAccess: number;
  /** Open readers (uploads, streams); a task being read is never evicted. */
  readers = 0;
  #file: Deno.FsFile | null = null;
  #persistTimer: ReturnType<typeof setTimeout> | undefined;
  #persisting: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(dir: string, record: TaskRecord) {
    this.dir = dir;
    this.id = record.id;
    this.url = record.url;
    this.tag = record.tag;
    this.length = record.length;
    this.pieceSize = record.pieceSize;
    this.pieceCount = pieceCount(record.length, record.pieceSize);
    this.etag = record.etag;
    this.lastModified = record.lastModified;
    this.verified = Bitset.fromBase64(this.pieceCount, record.verified);
    this.digests = record.digests;
    this.createdAt = record.createdAt;
    this.lastAccess = record.lastAccess;
  }

  /** Path of the data file. */
  get dataPath(): string {
    return `${this.dir}/data`;
  }

  /** True when every piece is verified. */
  get complete(): boolean {
    return this.verified.complete;
  }

  /** Bytes of verified pieces. */
  get verifiedBytes(): number {
    if (this.complete) return this.length;
    let bytes = 0;
    for (const i of this.verified) bytes += this.pieceLength(i);
    return bytes;
  }

  /** Length of piece `index` (the last one may be short). */
  pieceLength(index: number): number {
    const { start, end } = pieceRange(this.length, this.pieceSize, index);
    return end - start;
  }

  /**
   * The data file. Reads and writes are synchronous seek+read/write pairs:
   * nothing can run between the seek and the I/O, so one handle serves every
   * concurrent transfer, and a 64 KiB page-cache write costs less than an
   * async round trip through the thread pool (measured: ~25% less wall time).
   */
  #handle(): Deno.FsFile {
    this.#file ??= Deno.openSync(this.dataPath, { read: true, write: !this.complete });
    return this.#file;
  }

  /** Writes `bytes` at file offset `offset` (one-off; transfers use {@link openWriter}). */
  writeAt(offset: number, bytes: Uint8Array): void {
    const file = this.#handle();
    file.seekSync(offset, Deno.SeekMode.Start);
    let done = 0;
    while (done < bytes.byteLength) done += file.writeSync(bytes.subarray(done));
  }

  /**
   * A writer with its own file handle for one transfer: it seeks only when
   * the next offset is not where the last write ended (a seek op per 64 KiB
   * chunk cost ~10% of the agent's CPU).
   */
  openWriter(): PieceWriter {
    const file = Deno.openSync(this.dataPath, { write: true });
    let position = 0;
    return {
      writeAt(offset, bytes) {
        if (offset !== position) file.seekSync(offset, Deno.SeekMode.Start);
        let done = 0;
        while (done < bytes.byteLength) done += file.writeSync(bytes.subarray(done));
        position = offset + done;
      },
      close() {
        try {
          file.close();
        } catch { /* already closed */ }
      },
    };
  }

  /** Reads into `buf` from file offset `offset`; returns the bytes read (0 at the end). */
  readAt(offset: number, buf: Uint8Array): number {
    const file = this.#handle();
    file.seekSync(offset, Deno.SeekMode.Start);
    return file.readSync(buf) ?? 0;
  }

  /** Records piece `index` as verified; meta follows within a moment. */
  markVerified(index: number, digest: string): void {
    this.digests[index] = digest;
    if (!this.verified.add(index)) return;
    if (this.complete) {
      void this.persist();
    } else if (this.#persistTimer === undefined) {
      this.#persistTimer = setTimeout(() => void this.persist(), PERSIST_DELAY_MS);
    }
  }

  /** Syncs the data file, then writes meta atomically. Calls run one after another. */
  persist(): Promise<void> {
    clearTimeout(this.#persistTimer);
    this.#persistTimer = undefined;
    this.#persisting = this.#persisting.then(async () => {
      if (this.#closed) return;
      await this.#handle().syncData();
      if (this.complete) await Deno.chmod(this.dataPath, 0o444);
      const tmp = `${this.dir}/meta.json.tmp`;
      await Deno.writeTextFile(tmp, JSON.stringify(this.record()));
      await Deno.rename(tmp, `${this.dir}/meta.json`);
    });
    return this.#persisting;
  }

  /** The record `meta.json` holds for the current state. */
  record(): TaskRecord {
    return {
      version: 1,
      id: this.id,
      url: this.url,
      tag: this.tag,
      length: this.length,
      pieceSize: this.pieceSize,
      etag: this.etag,
      lastModified: this.lastModified,
      digests: this.digests,
      verified: this.verified.toBase64(),
      createdAt: this.createdAt,
      lastAccess: this.lastAccess,
    };
  }

  /**
   * Streams verified piece `index` from disk. The caller must have checked
   * `verified.has(index)`; the task counts as read until the stream ends.
   */
  readPiece(
    index: number,
    onEnd?: (bytesRead: number) => void,
    options?: ReadRangeOptions,
  ): ReadableStream<Uint8Array> {
    const { start, end } = pieceRange(this.length, this.pieceSize, index);
    return this.readRange(start, end, onEnd, options);
  }

  /**
   * Streams bytes `[start, end)` of the data file; `onEnd` runs once when the
   * stream is done, fails or is cancelled, with the bytes handed out by then.
   * Chunks are fresh 256 KiB buffers the consumer may keep, unless
   * `options.releaseOnPull` (see {@link ReadRangeOptions}).
   */
  readRange(
    start: number,
    end: number,
    onEnd?: (bytesRead: number) => void,
    options: ReadRangeOptions = {},
  ): ReadableStream<Uint8Array> {
    let at = start;
    let released = false;
    /** The buffer of the last chunk handed out, while `releaseOnPull` may still detach it. */
    let handedOut: ArrayBuffer | null = null;
    const release = () => {
      if (!released) {
        released = true;
        this.readers--;
        onEnd?.(at - start);
      }
    };
    this.readers++;
    this.lastAccess = Date.now();
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        // transfer(0) detaches: this object lets go of the backing store; a
        // consumer that took its own reference (Rust's, for Deno.serve) keeps the bytes.
        if (handedOut && !handedOut.detached) handedOut.transfer(0);
        handedOut = null;
        try {
          if (at >= end) {
            release();
            controller.close();
            return;
          }
          const buf = new Uint8Array(Math.min(READ_CHUNK, end - at));
          const bytesRead = this.readAt(at, buf);
          if (bytesRead === 0) {
            throw new Error(`Data file of task ${this.id} is shorter than expected`);
          }
          at += bytesRead;
          if (options.releaseOnPull) handedOut = buf.buffer;
          controller.enqueue(bytesRead === buf.byteLength ? buf : buf.subarray(0, bytesRead));
        } catch (err) {
          release();
          controller.error(err);
        }
      },
      cancel: release,
    }, { highWaterMark: 0 });
  }

  /**
   * Places the finished file at `output` atomically: a hard link where the
   * file system allows it, a copy otherwise. The data file is read-only once
   * complete, so a linked output cannot be edited in place by accident.
   */
  async placeAt(output: string): Promise<PlaceMethod> {
    const tmp = `${output}.dfly-${crypto.randomUUID().slice(0, 8)}.tmp`;
    let method: PlaceMethod = "hardlink";
    try {
      try {
        await Deno.link(this.dataPath, tmp);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) throw err;
        // Another file system, or links not allowed here: copy instead.
        method = "copy";
        await Deno.copyFile(this.dataPath, tmp);
        await Deno.chmod(tmp, 0o644);
      }
      await Deno.rename(tmp, output);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    this.lastAccess = Date.now();
    return method;
  }

  /** Flushes pending meta and closes the data file. */
  async close(): Promise<void> {
    if (this.#persistTimer !== undefined) await this.persist();
    await this.#persisting.catch(() => {});
    this.#closed = true;
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    this.#file = null;
  }
}
