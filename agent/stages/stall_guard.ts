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
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      clearTimeout(timer);
      const { value, done } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      controller.enqueue(value);
      timer = setTimeout(() => {
        onStall?.();
        const error = new Error(`the reader took nothing for ${ms} ms`);
        controller.error(error);
        reader.cancel(error).catch(() => {});
      }, ms);
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
