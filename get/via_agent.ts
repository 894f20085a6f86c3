/**
 * @module via_agent — a download through the local agent, in one of two modes:
 *
 *   output path:  POST {output} → NDJSON progress … done   (the agent places the file)
 *                                              └─ error output_not_writable ─┐
 *   streaming:    POST {output: null} → content bytes → pipeToOutput → file/stdout
 *                 then GET task → peer/source byte counters
 *
 * The streaming mode serves `-o -` and the fallback when the agent (another
 * user) cannot write the output path.
 */
import { DflyError } from "../errors.ts";
import type { DownloadEvent, DownloadRequest } from "../wire.ts";
import { TASK_ID_HEADER } from "../wire.ts";
import { createTransport } from "../util/tls.ts";
import { AgentClient } from "./agent_client.ts";
import { parseDownloadEvent } from "./download_event.ts";
import { NdjsonStream } from "./ndjson_stream.ts";
import type { GetOptions } from "./options.ts";
import { openFileOutput, type OutputSink, stdoutOutput } from "./output_sink.ts";
import { pipeToOutput } from "./pipe_to_output.ts";
import type { ProgressSink } from "./progress_bar.ts";

/** What a download through the agent achieved. */
export interface AgentOutcome {
  taskId: string;
  bytes: number;
  fromPeers: number;
  fromSource: number;
}

/** How often the streaming mode asks the agent for the peer share while a bar is shown. */
const SHARE_POLL_MS = 500;

/** Downloads `options.url` through the agent at `options.agent`. */
export async function getViaAgent(
  options: GetOptions,
  progress: ProgressSink,
  signal: AbortSignal,
): Promise<AgentOutcome> {
  const client = new AgentClient({
    agent: options.agent,
    token: options.token,
    signal,
    fetch: options.ca ? createTransport({ tls: true, caPath: options.ca }).fetch : undefined,
  });
  const output = options.output;
  const stream = (openSink: () => Promise<OutputSink> | OutputSink) =>
    streamViaAgent({ client, options, progress, signal, openSink });
  if (output === null) return await stream(() => stdoutOutput());
  const placed = await placeViaAgent(client, options, output, progress);
  if (placed !== "not_writable") return placed;
  // The agent runs as another user: take the bytes and write the file ourselves.
  return await stream(() => openFileOutput(output));
}

function request(
  options: GetOptions,
  output: string | null,
  progress: ProgressSink,
): DownloadRequest {
  return {
    url: options.url,
    tag: options.tag,
    filter: options.filter,
    headers: options.headers,
    digest: options.digest,
    output,
    // Nothing shown: a line every 5 s is enough (the final line comes at once).
    ...(progress.visible ? {} : { progressMs: 5000 }),
  };
}

async function placeViaAgent(
  client: AgentClient,
  options: GetOptions,
  output: string,
  progress: ProgressSink,
): Promise<AgentOutcome | "not_writable"> {
  let res: Response;
  try {
    res = await client.download(request(options, output, progress));
  } catch (err) {
    if (err instanceof DflyError && err.code === "output_not_writable") return "not_writable";
    throw err;
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("ndjson") || !res.body) {
    await res.body?.cancel();
    throw client.failure(
      "agent_error",
      `answered with ${type || "no content type"} instead of download events`,
    );
  }
  const events = res.body.pipeThrough(new NdjsonStream()).getReader();
  try {
    while (true) {
      const event = await nextEvent(client, events);
      if (event === null) {
        throw client.failure("agent_error", "closed the connection before the download finished");
      }
      if (event.type === "progress") {
        progress.update(event);
      } else if (event.type === "done") {
        progress.update({ ...event, bytes: event.total });
        return {
          taskId: event.taskId,
          bytes: event.total,
          fromPeers: event.fromPeers,
          fromSource: event.fromSource,
        };
      } else if (event.code === "output_not_writable") {
        return "not_writable";
      } else {
        throw client.failure(event.code, event.message);
      }
    }
  } finally {
    await events.cancel().catch(() => {});
  }
}

/** The next event, or null at the end of the answer. */
async function nextEvent(
  client: AgentClient,
  events: ReadableStreamDefaultReader<unknown>,
): Promise<DownloadEvent | null> {
  let raw: unknown;
  try {
    const next = await events.read();
    if (next.done) return null;
    raw = next.value;
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof RangeError) {
      throw client.failure("agent_error", `sent a malformed event (${err.message})`);
    }
    throw client.lost(err);
  }
  try {
    return parseDownloadEvent(raw);
  } catch (err) {
    throw client.failure("agent_error", `sent a malformed event (${(err as Error).message})`);
  }
}

interface StreamContext {
  client: AgentClient;
  options: GetOptions;
  progress: ProgressSink;
  signal: AbortSignal;
  openSink: () => Promise<OutputSink> | OutputSink;
}

async function streamViaAgent(context: StreamContext): Promise<AgentOutcome> {
  const { client, options, progress, signal, openSink } = context;
  const res = await client.download(request(options, null, progress));
  // The agent names the task; an older one may not (task_id.ts needs node:crypto: loaded only then).
  const id = res.headers.get(TASK_ID_HEADER) ??
    (await import("../util/task_id.ts")).taskId({
      url: options.url,
      tag: options.tag,
      filter: options.filter,
    });
  const declared = res.headers.get("content-length");
  const expected = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
  let sink: OutputSink;
  try {
    sink = await openSink();
  } catch (err) {
    await res.body?.cancel();
    throw err;
  }
  let share: { fromPeers: number | null; fromSource: number | null } = {
    fromPeers: null,
    fromSource: null,
  };
  const poll = progress.visible
    ? setInterval(() => {
      client.taskCounters(id).then((c) => c && (share = c), () => {});
    }, SHARE_POLL_MS)
    : undefined;
  let bytes: number;
  try {
    bytes = await pipeToOutput(res.body ?? ReadableStream.from([]), sink, {
      expected,
      digest: options.digest,
      sender: "agent",
      onBytes: (n) => progress.update({ bytes: n, total: expected, ...share }),
      signal,
    });
  } finally {
    clearInterval(poll);
  }
  const counters = await client.taskCounters(id);
  return {
    taskId: id,
    bytes,
    fromPeers: counters?.fromPeers ?? 0,
    fromSource: counters?.fromSource ?? 0,
  };
}
