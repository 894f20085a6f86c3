/**
 * @module wakeup — lets a loop sleep until something changed or a timeout
 * passed, instead of polling.
 */

/**
 * A reusable wake-up signal: `wait(ms)` resolves on the next `notify()` or
 * after `ms`, whichever comes first.
 *
 * @example
 * ```ts
 * import { Wakeup } from "./wakeup.ts";
 * const w = new Wakeup();
 * const waiting = w.wait(10_000);
 * w.notify();
 * await waiting; // returns at once
 * ```
 */
export class Wakeup {
  #resolve: (() => void) | null = null;
  #promise: Promise<void> | null = null;
  #pending = false;

  /** Wakes every current waiter (or the next one, if none waits yet). */
  notify(): void {
    if (this.#resolve) {
      this.#resolve();
      this.#resolve = null;
      this.#promise = null;
    } else {
      this.#pending = true;
    }
  }

  /** Resolves on the next notify, or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    this.#promise ??= new Promise((resolve) => this.#resolve = resolve);
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      this.#promise,
      new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
    ]).finally(() => clearTimeout(timer));
  }
}
