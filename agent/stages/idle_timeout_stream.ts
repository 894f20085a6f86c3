/**
 * @module idle_timeout_stream — fails a transfer whose sender goes quiet or
 * only trickles, so a stalled parent or source cannot hold a piece forever.
 */
import { DflyError } from "../../errors.ts";

/** The stream saw no bytes for too long. */
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

/**
 * Passes chunks through and errors with {@link IdleTimeoutError} (and aborts
 * `controller`, to cancel the fetch) when no chunk arrives within `idleMs`,
 * or when fewer than `minBytes` arrive in a whole `idleMs` window (a sender
 * that keeps the connection alive with a byte now and then).
 *
 * @example
 * ```ts
 * import { IdleTimeoutStream } from "./idle_timeout_stream.ts";
 * const out = ReadableStream.from([new Uint8Array(1)]).pipeThrough(new IdleTimeoutStream(1000));
 * if ((await Array.fromAsync(out)).length !== 1) throw new Error();
 * ```
 */
export class IdleTimeoutStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(idleMs: number, controller?: AbortController, minBytes = 1) {
    if (!(idleMs > 0)) {
      throw new RangeError(
        `Cannot watch idle time as it must be positive: current value is ${idleMs}`,
      );
    }
    // One coarse interval instead of a timer per chunk: re-arming a timer for
    // every 64 KiB chunk costs more than the rest of the pipeline.
    let last = performance.now();
    let windowStart = last;
    let windowBytes = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    super({
      start(stream) {
        timer = setInterval(() => {
          const now = performance.now();
          let err: IdleTimeoutError | null = null;
          if (now - last >= idleMs) err = new IdleTimeoutError(idleMs);
          else if (now - windowStart >= idleMs) {
            if (windowBytes < minBytes) err = new IdleTimeoutError(idleMs, windowBytes);
            windowStart = now;
            windowBytes = 0;
          }
          if (!err) return;
          clearInterval(timer);
          stream.error(err);
          controller?.abort(err);
        }, Math.max(10, idleMs / 4));
      },
      transform(chunk, stream) {
        last = performance.now();
        windowBytes += chunk.byteLength;
        stream.enqueue(chunk);
      },
      flush() {
        clearInterval(timer);
      },
      cancel() {
        clearInterval(timer);
      },
    });
  }
}
