/**
 * @module within — waits for a promise at most so long: shutdown steps use
 * it so a stuck client or peer cannot hold a process past its stop timeout.
 */

/**
 * Resolves true when `promise` settles within `ms`, false when `ms` passed
 * first (the promise is left running; a rejection counts as settled).
 *
 * @example
 * ```ts
 * import { within } from "./within.ts";
 * if (await within(new Promise(() => {}), 10)) throw new Error("never settles");
 * if (!(await within(Promise.resolve(), 10))) throw new Error();
 * ```
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
