/**
 * @module run_get — one `dfly get`: through the agent when one answers,
 * otherwise (unless `--p2p-only`) straight from the source, with a progress
 * bar on a terminal. Resolves to a {@link GetResult}; failures throw a
 * one-line error and leave no output file behind.
 */
import { DflyError } from "../errors.ts";
import { AGENT_UNREACHABLE } from "./agent_client.ts";
import { getDirect } from "./direct.ts";
import type { GetOptions } from "./options.ts";
import { checkOutputPath } from "./output_sink.ts";
import type { ProgressSink } from "./progress_bar.ts";
import { getViaAgent } from "./via_agent.ts";

/** What `--json` prints, in camelCase. */
export interface GetResult {
  taskId: string;
  url: string;
  /** Absolute path, or null for stdout. */
  output: string | null;
  bytes: number;
  seconds: number;
  fromSource: number;
  fromPeers: number;
  via: "agent" | "direct";
}

/** What {@link runGet} needs from its surroundings. */
export interface RunGetContext {
  progress: ProgressSink;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Prints one line on stderr. */
  notice(line: string): void;
  /** Milliseconds, monotonic. */
  now(): number;
}

/** Runs one download as described by `options`. */
export async function runGet(options: GetOptions, context: RunGetContext): Promise<GetResult> {
  const { progress, signal } = context;
  // Fail before any transfer when the output cannot be written at all.
  if (options.output !== null) await checkOutputPath(options.output);
  const started = context.now();
  const done = (r: Omit<GetResult, "url" | "output" | "seconds">): GetResult => ({
    ...r,
    url: options.url,
    output: options.output,
    seconds: (context.now() - started) / 1000,
  });
  try {
    try {
      const outcome = await getViaAgent(options, progress, signal);
      return done({ ...outcome, via: "agent" });
    } catch (err) {
      if (!(err instanceof DflyError && err.code === AGENT_UNREACHABLE)) throw err;
      if (options.p2pOnly) {
        throw new DflyError(
          `no agent at ${options.agent}, and --p2p-only forbids downloading directly from the source`,
          AGENT_UNREACHABLE,
          503,
        );
      }
      context.notice(
        `dfly get: no agent at ${options.agent}; downloading directly from the source`,
      );
    }
    const bytes = await getDirect(options, progress, signal);
    // Loaded only here: node:crypto adds ~35 ms to every `dfly get`'s start.
    const { taskId } = await import("../util/task_id.ts");
    return done({
      taskId: taskId({ url: options.url, tag: options.tag, filter: options.filter }),
      bytes,
      fromSource: bytes,
      fromPeers: 0,
      via: "direct",
    });
  } finally {
    progress.clear();
  }
}

/** The `--json` object (snake_case keys). */
export function resultJson(result: GetResult): Record<string, unknown> {
  return {
    task_id: result.taskId,
    url: result.url,
    output: result.output,
    bytes: result.bytes,
    seconds: Math.round(result.seconds * 1000) / 1000,
    from_source_bytes: result.fromSource,
    from_peers_bytes: result.fromPeers,
    via: result.via,
  };
}
