/**
 * @module rate_meter — transfer rate over a sliding time window, so the bar
 * shows the current speed rather than the average since the start. Pure: the
 * caller passes the time.
 */

/** Options of {@link RateMeter}. */
export interface RateMeterOptions {
  /** Length of the window in milliseconds (default 3000). */
  windowMs?: number;
}

/** Bytes per second over the last few seconds. */
export class RateMeter {
  readonly #windowMs: number;
  #samples: { at: number; bytes: number }[] = [];

  constructor(options: RateMeterOptions = {}) {
    const { windowMs = 3000 } = options;
    if (!(windowMs > 0)) {
      throw new RangeError(
        `Cannot measure a rate as windowMs must be positive: current value is ${windowMs}`,
      );
    }
    this.#windowMs = windowMs;
  }

  /** Records that `bytes` (a running total) had arrived at time `at` (ms). */
  add(at: number, bytes: number): void {
    this.#samples.push({ at, bytes });
    // Keep one sample older than the window so the window stays fully covered.
    while (this.#samples.length > 2 && this.#samples[1].at <= at - this.#windowMs) {
      this.#samples.shift();
    }
  }

  /** Bytes per second across the window; 0 until two samples are apart in time. */
  rate(): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.at <= first.at) return 0;
    return (last.bytes - first.bytes) * 1000 / (last.at - first.at);
  }
}
