/**
 * @module token_bucket — a host-wide byte rate limit. Every download (or
 * upload) stream of the host reserves bytes from one bucket; callers are
 * served in the order they reserve because each reservation is charged
 * against the debt of those before it.
 */

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Bytes that may pass at once after idling; default rate/20, at least 64 KiB. */
  burst?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * Token bucket: `rate` bytes per second refill up to `burst`. `reserve(n)`
 * takes `n` tokens at once, possibly going into debt, and returns how long the
 * caller must wait before sending. Rate 0 means unlimited.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "./token_bucket.ts";
 * let t = 0;
 * const bucket = new TokenBucket(1000, { burst: 100, now: () => t });
 * if (bucket.reserve(100) !== 0) throw new Error("burst passes at once");
 * if (bucket.reserve(500) !== 500) throw new Error("then 500 bytes at 1000/s take 500 ms");
 * ```
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  /** Reservations that had to wait, and the total they were told to wait (for /metrics). */
  waits = 0;
  waitedMs = 0;
  #tokens: number;
  #last: number;
  #now: () => number;

  constructor(rate: number, options: TokenBucketOptions = {}) {
    if (!Number.isFinite(rate) || rate < 0) {
      throw new RangeError(
        `Cannot limit rate as it must be 0 or positive: current value is ${rate}`,
      );
    }
    this.rate = rate;
    this.burst = options.burst ?? Math.max(64 * 1024, rate / 20);
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.burst;
    this.#last = this.#now();
  }

  /** True when the bucket limits nothing. */
  get unlimited(): boolean {
    return this.rate === 0;
  }

  /** Takes `bytes` tokens; returns the milliseconds to wait before using them. */
  reserve(bytes: number): number {
    if (this.rate === 0) return 0;
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#last) * this.rate / 1000);
    this.#last = now;
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return 0;
    const wait = -this.#tokens / this.rate * 1000;
    this.waits++;
    this.waitedMs += wait;
    return wait;
  }

  /** Waits until `bytes` may pass; resolves at once when unlimited. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve(bytes);
    if (wait > 0) await sleep(wait, signal);
  }
}

/** Resolves after `ms`, or rejects when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
