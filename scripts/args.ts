/**
 * @module args — command-line parsing for the scripts in this folder: the
 * same `node:util` parseArgs, but a bad flag is one line on stderr and exit
 * status 2, not a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Parses the command line (or `config.args`) with `config`; on a bad flag prints
 * `name: message` and exits with status 2.
 *
 * @example
 * ```ts
 * import { parseScriptArgs } from "./args.ts";
 * const { values } = parseScriptArgs("example", {
 *   args: ["--runs", "3"],
 *   options: { runs: { type: "string", default: "1" } },
 * });
 * if (values.runs !== "3") throw new Error();
 * ```
 */
export function parseScriptArgs<T extends ParseArgsConfig>(
  name: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}`);
    Deno.exit(2);
  }
}
