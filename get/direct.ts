/**
 * @module direct — the download `dfly get` falls back to when no agent
 * answers: one GET to the source with the user's headers, through the same
 * checks (length, digest) into a temporary file or stdout.
 */
import { SourceError } from "../errors.ts";
import { describeFetchError, hostPort } from "./fetch_error.ts";
import type { GetOptions } from "./options.ts";
import { openFileOutput, type OutputSink, stdoutOutput } from "./output_sink.ts";
import { pipeToOutput } from "./pipe_to_output.ts";
import type { ProgressSink } from "./progress_bar.ts";

/**
 * GETs `options.url` from the source and writes it to the output; resolves
 * to the number of bytes written.
 */
export async function getDirect(
  options: GetOptions,
  progress: ProgressSink,
  signal: AbortSignal,
): Promise<number> {
  const headers = new Headers(options.headers);
  // Transfer compression would change the bytes and the length we check.
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  let res: Response;
  try {
    res = await fetch(options.url, { headers, signal, redirect: "follow" });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new SourceError(
      `cannot reach ${hostPort(options.url)}: ${describeFetchError(err).reason}`,
    );
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    const status = `${res.status} ${res.statusText}`.trim();
    throw new SourceError(`source answered ${status} for ${options.url}`, res.status);
  }
  const expected = declaredLength(res.headers);
  let sink: OutputSink;
  try {
    sink = options.output === null ? stdoutOutput() : await openFileOutput(options.output);
  } catch (err) {
    await res.body?.cancel();
    throw err;
  }
  return await pipeToOutput(res.body ?? ReadableStream.from([]), sink, {
    expected,
    digest: options.digest,
    sender: "source",
    onBytes: (bytes) =>
      progress.update({ bytes, total: expected, fromPeers: null, fromSource: null }),
    signal,
  });
}

/** Content-Length when it describes the bytes we will read (no content coding). */
export function declaredLength(headers: Headers): number | null {
  const coding = headers.get("content-encoding");
  if (coding !== null && coding.toLowerCase() !== "identity") return null;
  const value = headers.get("content-length");
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : null;
}
