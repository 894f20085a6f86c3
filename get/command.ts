/**
 * @module command — `dfly get URL -o FILE`: the user's download command.
 * Parses the flags, wires Ctrl-C to an abort, runs {@link runGet} and prints
 * the summary line or the `--json` object.
 */
import type { Command, FlagValues } from "../cli.ts";
import { type GetOptions, parseGetOptions } from "./options.ts";
import { NO_PROGRESS, ProgressBar, type ProgressSink } from "./progress_bar.ts";
import { formatSummary } from "./progress_format.ts";
import { resultJson, runGet } from "./run_get.ts";

const USAGE = `dfly get — download a URL through the local agent

Usage: dfly get URL -o FILE [options]

Options:
  -o, --output FILE      where to write the file; - writes to stdout
  --agent URL            the local agent (default http://127.0.0.1:65002)
  --digest sha256:HEX    the whole file must have this SHA-256
  -H, --header 'N: v'    header for the source only (repeatable), e.g. credentials
  --tag T                separates downloads of equal URLs that differ in content
  --filter q1,q2         query parameters that do not change the content (e.g. signatures)
  --p2p-only             fail instead of downloading directly when no agent answers
  --no-progress          no progress bar
  --json                 print one JSON object with the outcome (stderr when -o -)
  --token T              shared secret for the agent (or DFLY_TOKEN)
  --ca FILE              PEM CA to trust for an https:// agent
  -h, --help             show this help

Without a reachable agent, dfly get says so and downloads straight from the source.`;

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(text));
  } catch {
    // stderr closed: nothing else to tell
  }
}

function progressFor(options: GetOptions): ProgressSink {
  if (!options.progress || !Deno.stderr.isTerminal()) return NO_PROGRESS;
  let columns = 80;
  try {
    // Some pseudo-terminals report 0 columns; keep the default then.
    columns = Deno.consoleSize().columns || columns;
  } catch {
    // not a console after all
  }
  return new ProgressBar({ write: writeStderr, now: () => performance.now(), columns });
}

function envToken(): string | undefined {
  try {
    return Deno.env.get("DFLY_TOKEN") || undefined;
  } catch {
    return undefined; // no --allow-env
  }
}

/** The `dfly get` subcommand. */
export const getCommand: Command = {
  name: "get",
  summary: "download a URL through the local agent",
  usage: USAGE,
  options: {
    output: { type: "string", short: "o" },
    agent: { type: "string" },
    digest: { type: "string" },
    header: { type: "string", short: "H", multiple: true },
    tag: { type: "string" },
    filter: { type: "string" },
    "p2p-only": { type: "boolean" },
    "no-progress": { type: "boolean" },
    json: { type: "boolean" },
    token: { type: "string" },
    ca: { type: "string" },
  },
  allowPositionals: true,
  // Per-host settings only; what to fetch and where to put it stays per run.
  configKeys: ["agent", "token", "p2p-only", "no-progress", "ca"],
  async run(values: FlagValues, positionals: string[]): Promise<number> {
    const options = parseGetOptions(values, positionals, { cwd: Deno.cwd(), token: envToken() });
    const controller = new AbortController();
    const interrupt = () => controller.abort(new Error("interrupted"));
    const signals = ["SIGINT", "SIGTERM"] as const;
    for (const s of signals) Deno.addSignalListener(s, interrupt);
    try {
      const result = await runGet(options, {
        progress: progressFor(options),
        signal: controller.signal,
        notice: (line) => writeStderr(`${line}\n`),
        now: () => performance.now(),
      });
      if (options.json) {
        const line = `${JSON.stringify(resultJson(result))}\n`;
        if (options.output === null) writeStderr(line);
        else await Deno.stdout.write(encoder.encode(line));
      } else {
        writeStderr(`dfly get: ${formatSummary(result)}\n`);
      }
      return 0;
    } catch (err) {
      if (!controller.signal.aborted) throw err;
      writeStderr("dfly get: interrupted\n");
      return 130;
    } finally {
      for (const s of signals) Deno.removeSignalListener(s, interrupt);
    }
  },
};
