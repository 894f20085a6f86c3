/**
 * @module stall_guard — ends an upload whose reader stopped reading. A peer
 * that takes a piece's headers and then never reads holds an upload slot
 * (and the task's reader count) for as long as the connection lives; with a
 * few slots per agent, a few such peers would stop all uploads.
 */

/**
 * Passes `body` through chunk by chunk (nothing read ahead, so a source that
 * recycles a chunk on the next pull stays safe), and cancels it with an error
 * when the consumer has not asked for the next chunk for `ms`.
 *
 * @example
 * ```ts
 * import { stallGuard } from "./stall_guard.ts";
 * const body = stallGuard(ReadableStream.from([new Uint8Array(4)]), 1000);
 * let n = 0;
 * for await (const chunk of body) n += chunk.byteLength;
 * if (n !== 4) throw new Error();
 * ```
 */
export function stallGuard(
  body: ReadableStream<Uint8Array>,
  ms: number,
  onStall?: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  // One coarse interval per upload instead of a timer re-armed per chunk
  // (that showed up in agent CPU profiles); a stall is seen within ms × 1.25.
  let handedAt: number | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (handedAt === null || performance.now() - handedAt < ms) return;
        clearInterval(timer);
        onStall?.();
        const error = new Error(`the reader took nothing for ${ms} ms`);
        controller.error(error);
        reader.cancel(error).catch(() => {});
      }, Math.max(10, ms / 4));
    },
    async pull(controller) {
      handedAt = null;
      try {
        const { value, done } = await reader.read();
        if (done) {
          clearInterval(timer);
          controller.close();
          return;
        }
        controller.enqueue(value);
        handedAt = performance.now();
      } catch (err) {
        clearInterval(timer);
        throw err;
      }
    },
    cancel(reason) {
      clearInterval(timer);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
