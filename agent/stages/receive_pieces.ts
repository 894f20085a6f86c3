/**
 * @module receive_pieces — takes in a response body that covers whole pieces
 * of a task, in one loop: reads into pooled buffers, watches for a sender that
 * goes quiet or trickles, applies the download rate limit, cuts the bytes at
 * piece boundaries, hashes each piece and checks it against its digest.
 *
 * Network reads are small (~12 KB each in the swarm testbed), so BYOB reads
 * fill one pooled buffer and its bytes are hashed and handed out together:
 * once {@link BATCH_BYTES} are in, a piece's last byte is in,
 * {@link BATCH_MS} passed, or a read was large ({@link LARGE_READ}). One
 * hash update and one file write per batch instead of per read: ~10% less
 * CPU in the swarm at N = 8 (docs/SWARM.md, change 14).
 *
 * It replaces a chain of five Web Streams stages (pooled read, idle timeout,
 * rate limit, split, hash, file sink): in the swarm testbed each chunk's trip
 * through that chain cost the agents ~10% of their CPU (docs/SWARM.md).
 * Each job is still one small piece of this function, in order.
 */
import { createHash, type Hash } from "node:crypto";
import { DflyError, DigestMismatchError, SourceError } from "../../errors.ts";
import { sleep, type TokenBucket } from "../token_bucket.ts";
import type { BufferPool } from "./buffer_pool.ts";

/**
 * Bytes gathered from network reads before they are hashed and handed out
 * together (at most half a pool buffer, so the next read always has room).
 */
export const BATCH_BYTES = 256 * 1024;

/** A read at least this large is handed out at once, with what was gathered before it. */
export const LARGE_READ = 64 * 1024;

/**
 * A batch is handed out at the latest this long after its first byte came,
 * so progress (stall and endgame checks) stays fresh on slow links.
 */
export const BATCH_MS = 200;

/** The sender went quiet, or sent too little for too long. */
export class IdleTimeoutError extends DflyError {
  constructor(ms: number, received?: number) {
    super(
      received === undefined
        ? `No data for ${ms} ms`
        : `Only ${received} bytes in ${ms} ms (the sender trickles)`,
      "timeout",
      504,
    );
    this.name = "IdleTimeoutError";
  }
}

/** Options of {@link receivePieces}. */
export interface ReceivePiecesOptions {
  /** File offset of the first byte; must be a piece boundary. */
  start: number;
  /** File offset just past the last byte expected. */
  end: number;
  pieceSize: number;
  /** File length (the last piece may be short). */
  length: number;
  /** Buffers to read into; each is given back once `bytes` returned. */
  pool: BufferPool;
  /** Stops the transfer (and is aborted, to cancel the request, when the sender goes quiet). */
  controller: AbortController;
  /** No bytes for this long, or fewer than `idleMinBytes` in such a window, fails the transfer. */
  idleMs: number;
  idleMinBytes?: number;
  /** Host-wide download limit; none when absent or unlimited. */
  limiter?: TokenBucket;
  /** The digest piece `index` must have, or null to take what arrives (and report its digest). */
  expected(index: number): string | null;
  /** How to name a piece in a digest error, e.g. "piece of task … from a parent". */
  what: string;
  /** Pieces not wanted (already held): hashed and checked, but neither handed to `bytes` nor `piece`. */
  skip?(index: number): boolean;
  /** Bytes of piece `index` at file `offset`; valid only during the call (the buffer is reused). */
  bytes(index: number, offset: number, bytes: Uint8Array): void;
  /** Piece `index` arrived whole and matched its digest (`bytes`: how many were handed out). */
  piece(index: number, digest: string, bytes: number): void | Promise<void>;
}

/**
 * Reads `body` to its end as the pieces of `[start, end)`. Rejects with
 * {@link IdleTimeoutError}, {@link DigestMismatchError}, a {@link SourceError}
 * when the sender sends fewer or more bytes than the range, or the abort
 * reason of `controller`.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * import { receivePieces } from "./receive_pieces.ts";
 * const got: number[] = [];
 * await receivePieces(new Response(new Uint8Array(10)).body!, {
 *   start: 0, end: 10, pieceSize: 4, length: 10, pool: new BufferPool(1024, 4),
 *   controller: new AbortController(), idleMs: 1000, expected: () => null, what: "piece",
 *   bytes: () => {}, piece: (index) => void got.push(index),
 * });
 * if (got.join() !== "0,1,2") throw new Error(got.join());
 * ```
 */
export async function receivePieces(
  body: ReadableStream<Uint8Array>,
  options: ReceivePiecesOptions,
): Promise<void> {
  const { start, end, pieceSize, length, pool, controller, idleMs } = options;
  if (start % pieceSize !== 0 || start > end || end > length) {
    throw new RangeError(`Cannot split bytes ${start}-${end} into pieces of ${pieceSize}`);
  }
  const signal = controller.signal;
  let byob: ReadableStreamBYOBReader | null = null;
  let plain: ReadableStreamDefaultReader<Uint8Array> | null = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    plain = body.getReader(); // not a byte stream
  }
  const reader = (byob ?? plain)!;
  const watch = watchIdle(idleMs, options.idleMinBytes ?? 1, (err) => {
    controller.abort(err);
    reader.cancel(err).catch(() => {});
  });
  const onAbort = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  let at = start;
  let hash: Hash | null = null;
  let handed = 0;
  // The batch being gathered: file bytes [at, at + pending) at the start of `held`.
  let held: ArrayBuffer | null = null;
  let pending = 0;
  let pendingSince = 0;
  try {
    if (signal.aborted) throw signal.reason;
    // Read to the end of the body, so a sender that sends too much is caught.
    while (true) {
      let chunk: Uint8Array | undefined;
      try {
        if (byob) {
          const { value, done } = await byob.read(new Uint8Array(held ?? pool.take(), pending));
          if (value) {
            pool.adopt(value.buffer as ArrayBuffer);
            held = value.buffer as ArrayBuffer;
          }
          if (!done && value) chunk = value;
        } else {
          const { value, done } = await plain!.read();
          if (!done) chunk = value;
        }
      } catch (err) {
        throw watch.error ?? (signal.aborted ? signal.reason : err);
      }
      // A cancelled read ends like a finished body: say why it ended.
      if (watch.error) throw watch.error;
      if (signal.aborted) throw signal.reason;
      if (chunk === undefined) break;
      if (chunk.byteLength === 0) continue;
      const now = watch.saw(chunk.byteLength);
      if (at + pending + chunk.byteLength > end) {
        throw new SourceError(`Sender sent more than the ${end - start} bytes expected`);
      }
      const limiter = options.limiter;
      if (limiter && !limiter.unlimited) {
        const wait = limiter.reserve(chunk.byteLength);
        if (wait > 0) await sleep(wait, signal);
      }
      if (!byob) {
        await take(chunk);
        continue;
      }
      if (pending === 0) pendingSince = now;
      pending += chunk.byteLength;
      const pieceEnd = Math.min(length, (Math.floor(at / pieceSize) + 1) * pieceSize);
      if (
        // A large read is a batch by itself (fast links): keep reads whole.
        chunk.byteLength >= LARGE_READ ||
        // Half a buffer at most, so the next read always has room.
        pending >= Math.min(BATCH_BYTES, held!.byteLength / 2) ||
        // A piece is checked the moment its last byte is in.
        at + pending >= pieceEnd ||
        now - pendingSince >= BATCH_MS
      ) await takePending();
    }
    if (pending > 0) await takePending();
    if (at < end) {
      throw watch.error ??
        new SourceError(`Sender sent ${at - start} bytes, expected ${end - start}`);
    }
    if (held) pool.give(held);
  } catch (err) {
    // Like a failed pipe: stop the sender too.
    reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    watch.stop();
    signal.removeEventListener("abort", onAbort);
  }

  /** Hands out the batch gathered in `held`; the buffer is read into afresh after. */
  function takePending(): Promise<void> {
    const batch = new Uint8Array(held!, 0, pending);
    pending = 0;
    return take(batch);
  }

  /** Hashes `data` (the file bytes from `at` on) piece by piece and hands them out. */
  async function take(data: Uint8Array): Promise<void> {
    let used = 0;
    while (used < data.byteLength) {
      const index = Math.floor(at / pieceSize);
      const pieceEnd = Math.min(length, (index + 1) * pieceSize);
      const size = Math.min(data.byteLength - used, pieceEnd - at);
      const part = size === data.byteLength ? data : data.subarray(used, used + size);
      hash ??= createHash("sha256");
      hash.update(part);
      if (!options.skip?.(index)) {
        options.bytes(index, at, part);
        handed += size;
      }
      at += size;
      used += size;
      if (at === pieceEnd) await finishPiece(index);
    }
  }

  async function finishPiece(index: number): Promise<void> {
    const digest = (hash ?? createHash("sha256")).digest("hex");
    hash = null;
    const want = options.expected(index);
    if (want !== null && want !== digest) {
      throw new DigestMismatchError(`${options.what} ${index}`, want, digest);
    }
    const bytes = handed;
    handed = 0;
    if (options.skip?.(index)) return;
    await options.piece(index, digest, bytes);
  }
}

/**
 * One coarse interval per transfer (a timer re-armed per chunk costs more
 * than the rest of the loop): fails when nothing arrived for `idleMs`, or
 * fewer than `minBytes` in a whole `idleMs` window.
 */
function watchIdle(idleMs: number, minBytes: number, onIdle: (err: IdleTimeoutError) => void) {
  if (!(idleMs > 0)) {
    throw new RangeError(
      `Cannot watch idle time as it must be positive: current value is ${idleMs}`,
    );
  }
  let last = performance.now();
  let windowStart = last;
  let windowBytes = 0;
  const state = {
    error: null as IdleTimeoutError | null,
    /** Counts `bytes` that just arrived; returns the time (performance.now()). */
    saw(bytes: number): number {
      last = performance.now();
      windowBytes += bytes;
      return last;
    },
    stop() {
      clearInterval(timer);
    },
  };
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last >= idleMs) state.error = new IdleTimeoutError(idleMs);
    else if (now - windowStart >= idleMs) {
      if (windowBytes < minBytes) state.error = new IdleTimeoutError(idleMs, windowBytes);
      windowStart = now;
      windowBytes = 0;
    }
    if (!state.error) return;
    clearInterval(timer);
    onIdle(state.error);
  }, Math.max(10, idleMs / 4));
  return state;
}
