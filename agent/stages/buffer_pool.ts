/**
 * @module buffer_pool — reusable receive buffers. Allocating (and so zeroing)
 * a fresh buffer for every network read cost more CPU than hashing the bytes;
 * a transfer instead borrows a buffer, and the last stage gives it back.
 */

/**
 * A free list of equally sized ArrayBuffers with single-owner lending: a
 * buffer is only taken back if this pool lent it (or {@link adopt}ed it) and
 * it has not been given back since, so a buffer can never have two owners.
 * Buffers that are never given back (an aborted transfer) are simply
 * collected as garbage.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * const pool = new BufferPool(16, 2);
 * const a = pool.take();
 * pool.give(a);
 * pool.give(a); // ignored: already back
 * if (pool.take() !== a || pool.take() === a) throw new Error();
 * ```
 */
export class BufferPool {
  readonly size: number;
  readonly #maxFree: number;
  readonly #free: ArrayBuffer[] = [];
  readonly #lent = new WeakSet<ArrayBuffer>();

  /** `size` bytes per buffer; at most `maxFree` idle buffers are kept. */
  constructor(size: number, maxFree: number) {
    if (!(size > 0) || !(maxFree >= 0)) {
      throw new RangeError(`Cannot make a pool of ${maxFree} buffers of ${size} bytes`);
    }
    this.size = size;
    this.#maxFree = maxFree;
  }

  /** Idle buffers ready to lend. */
  get free(): number {
    return this.#free.length;
  }

  /** Lends a buffer (a new one when none is idle). */
  take(): ArrayBuffer {
    const buffer = this.#free.pop() ?? new ArrayBuffer(this.size);
    this.#lent.add(buffer);
    return buffer;
  }

  /**
   * Records that `buffer` is the lent buffer under a new identity (a BYOB read
   * transfers the buffer it was given and returns it as a new ArrayBuffer).
   */
  adopt(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.size) this.#lent.add(buffer);
  }

  /** Takes a lent buffer back; anything else (a copy, a foreign buffer) is ignored. */
  give(buffer: ArrayBufferLike): void {
    if (!(buffer instanceof ArrayBuffer) || !this.#lent.delete(buffer)) return;
    if (this.#free.length < this.#maxFree) this.#free.push(buffer);
  }
}

/** The agent's shared pool of receive buffers: 512 KiB each, up to 32 MiB idle. */
export const receiveBuffers: BufferPool = new BufferPool(512 * 1024, 64);
