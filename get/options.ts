/**
 * @module options — turns `dfly get` flag values into a checked
 * {@link GetOptions}. Pure: the environment and working directory are passed
 * in, and every mistake is a one-line {@link UsageError}.
 */
import { resolve } from "node:path";
import { type FlagValues, UsageError } from "../cli.ts";
import { parseHeader } from "./parse_header.ts";

/** Agent address used when `--agent` is not given. */
export const DEFAULT_AGENT = "http://127.0.0.1:65002";

/** Everything one `dfly get` run needs to know. */
export interface GetOptions {
  /** Source URL (http or https). */
  url: string;
  /** Absolute output path, or null for stdout (`-o -`). */
  output: string | null;
  /** Agent base URL without a trailing slash. */
  agent: string;
  /** `sha256:` + 64 lowercase hex characters, or null. */
  digest: string | null;
  /** Source-only request headers. */
  headers: [string, string][];
  tag: string;
  /** Query parameter names left out of the task identity. */
  filter: string[];
  /** Fail instead of downloading straight from the source. */
  p2pOnly: boolean;
  /** The user allows a progress bar (`--no-progress` and `--json` forbid it). */
  progress: boolean;
  json: boolean;
  /** Shared secret sent to the agent, or null. */
  token: string | null;
  /** PEM CA file trusted for an https agent (`--ca`), or null. */
  ca: string | null;
}

/** Where {@link parseGetOptions} reads what is not on the command line. */
export interface GetEnvironment {
  cwd: string;
  /** Value of `DFLY_TOKEN`, if set. */
  token?: string;
}

/**
 * Checks the flags and positionals of `dfly get`.
 *
 * @example
 * ```ts
 * import { parseGetOptions } from "./options.ts";
 * const o = parseGetOptions({ output: "out.bin" }, ["http://o/f"], { cwd: "/tmp" });
 * if (o.output !== "/tmp/out.bin") throw new Error();
 * ```
 */
export function parseGetOptions(
  values: FlagValues,
  positionals: string[],
  env: GetEnvironment,
): GetOptions {
  if (positionals.length === 0) throw new UsageError("missing the URL to download");
  if (positionals.length > 1) {
    throw new UsageError(`expected one URL, got ${positionals.length}: ${positionals.join(" ")}`);
  }
  const url = httpUrl(positionals[0], "URL");
  const outputText = text(values.output);
  if (outputText === undefined) throw new UsageError("missing -o FILE (use -o - for stdout)");
  if (outputText === "") throw new UsageError("-o needs a file name (use -o - for stdout)");
  const agent = httpUrl(text(values.agent) ?? DEFAULT_AGENT, "--agent").replace(/\/+$/, "");
  const json = values.json === true;
  return {
    url,
    output: outputText === "-" ? null : resolve(env.cwd, outputText),
    agent,
    digest: digest(text(values.digest)),
    headers: list(values.header).map((h) => {
      try {
        return parseHeader(h);
      } catch (err) {
        throw new UsageError(`-H: ${(err as Error).message}`);
      }
    }),
    tag: text(values.tag) ?? "",
    filter: (text(values.filter) ?? "").split(",").map((f) => f.trim()).filter((f) => f !== ""),
    p2pOnly: values["p2p-only"] === true,
    progress: values["no-progress"] !== true && !json,
    json,
    token: text(values.token) || env.token || null,
    ca: text(values.ca) ?? null,
  };
}

function text(value: FlagValues[string]): string | undefined {
  if (Array.isArray(value)) value = value.at(-1);
  return typeof value === "string" ? value : undefined;
}

function list(value: FlagValues[string]): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}

function httpUrl(value: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${what} "${value}" is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`${what} "${value}" must start with http:// or https://`);
  }
  return value;
}

function digest(value: string | undefined): string | null {
  if (value === undefined) return null;
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(value.trim());
  if (!m) {
    throw new UsageError(`--digest "${value}" must be sha256: followed by 64 hex characters`);
  }
  return `sha256:${m[1].toLowerCase()}`;
}
