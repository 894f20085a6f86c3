/**
 * @module rate_limit_stream — holds chunks back so that all streams sharing
 * one {@link TokenBucket} stay under the host's rate limit.
 */
import { sleep, type TokenBucket } from "../token_bucket.ts";

/**
 * Passes chunks through once the bucket has tokens for them.
 *
 * @example
 * ```ts
 * import { RateLimitStream } from "./rate_limit_stream.ts";
 * import { TokenBucket } from "../token_bucket.ts";
 * const out = ReadableStream.from([new Uint8Array(3)])
 *   .pipeThrough(new RateLimitStream(new TokenBucket(0)));
 * if ((await Array.fromAsync(out)).length !== 1) throw new Error();
 * ```
 */
export class RateLimitStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(bucket: TokenBucket, signal?: AbortSignal) {
    super({
      async transform(chunk, controller) {
        const wait = bucket.reserve(chunk.byteLength);
        if (wait > 0) await sleep(wait, signal);
        controller.enqueue(chunk);
      },
    });
  }
}
