/**
 * @module pipe_to_output — the one place bytes travel from a response body to
 * the output:
 *
 *   body → ByteCountStream (progress) → LengthCheckStream → DigestCheckStream → sink
 *
 * The sink is committed only after every check passed, and aborted (its
 * temporary file removed) on any failure, including Ctrl-C. Without a digest
 * to compute, a file output takes the fast path instead: the body is piped
 * straight into the file (the runtime copies without JavaScript per chunk),
 * progress comes from the file's size, and the length is checked at the end.
 */
import { DflyError } from "../errors.ts";
import { ByteCountStream } from "./byte_count_stream.ts";
import { describeFetchError } from "./fetch_error.ts";
import { LengthCheckStream } from "./length_check_stream.ts";
import { type OutputSink, writeError } from "./output_sink.ts";

/** Options of {@link pipeToOutput}. */
export interface PipeToOutputOptions {
  /** Length the sender declared, or null when it did not. */
  expected: number | null;
  /** `sha256:HEX` the whole content must match, or null. */
  digest: string | null;
  /** Who sends the body, for messages ("source" or "agent"). */
  sender: string;
  /** Running byte total after each chunk. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Pipes `body` into `sink` with the checks above; resolves to the byte count. */
export async function pipeToOutput(
  body: ReadableStream<Uint8Array>,
  sink: OutputSink,
  options: PipeToOutputOptions,
): Promise<number> {
  const { expected, digest, sender, signal } = options;
  if (digest === null && sink.native) return await pipeNative(body, sink, sink.native, options);
  const counter = new ByteCountStream(options.onBytes);
  let stream = body.pipeThrough(counter);
  if (expected !== null) stream = stream.pipeThrough(new LengthCheckStream({ expected, sender }));
  if (digest !== null) {
    // Loaded only when asked for: node:crypto adds ~35 ms to every `dfly get`'s start.
    const { DigestCheckStream } = await import("./digest_check_stream.ts");
    stream = stream.pipeThrough(new DigestCheckStream(digest));
  }
  try {
    await stream.pipeTo(sink.writable, { signal });
    await sink.commit();
    return counter.bytes;
  } catch (err) {
    await sink.abort();
    if (signal?.aborted) throw signal.reason;
    if (err instanceof DflyError) throw err;
    // Anything else came from reading the body: the sender's connection broke.
    throw broken(sender, counter.bytes, expected, err);
  }
}

/** How often the fast path looks at the file size for progress. */
const SIZE_POLL_MS = 100;

async function pipeNative(
  body: ReadableStream<Uint8Array>,
  sink: OutputSink,
  native: WritableStream<Uint8Array>,
  options: PipeToOutputOptions,
): Promise<number> {
  const { expected, sender, signal, onBytes } = options;
  let poll: ReturnType<typeof setInterval> | undefined;
  if (onBytes) {
    poll = setInterval(() => sink.size().then(onBytes, () => {}), SIZE_POLL_MS);
  }
  try {
    try {
      await body.pipeTo(native, { signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // Fetch bodies fail with TypeError; file writes with Deno.errors.* or Error.
      if (!(err instanceof TypeError)) throw writeError(sink.name, err);
      throw broken(sender, await sink.size().catch(() => 0), expected, err);
    } finally {
      clearInterval(poll);
    }
    const bytes = await sink.size();
    if (expected !== null && bytes !== expected) {
      throw new DflyError(`${sender} sent ${bytes} bytes, expected ${expected}`, "bad_length", 502);
    }
    onBytes?.(bytes);
    await sink.commit();
    return bytes;
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

function broken(sender: string, bytes: number, expected: number | null, err: unknown): DflyError {
  if (expected !== null) {
    return new DflyError(`${sender} sent ${bytes} bytes, expected ${expected}`, "bad_length", 502);
  }
  return new DflyError(
    `${sender} broke off the transfer after ${bytes} bytes (${describeFetchError(err).reason})`,
    "transfer_broken",
    502,
  );
}
