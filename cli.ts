/**
 * @module cli — the shape of a `dfly` subcommand. `main.ts` parses argv with
 * `node:util` parseArgs using a command's `options` and hands the values over.
 */
import type { ParseArgsConfig } from "node:util";

/** Parsed flag values as parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One `dfly <name>` subcommand. */
export interface Command {
  name: string;
  /** One line for `dfly --help`. */
  summary: string;
  /** Full `--help` text. */
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  allowPositionals: boolean;
  /**
   * Flags a config file or `DFLY_<FLAG>` variables may set; all of
   * `options` when absent (see util/config_sources.ts).
   */
  configKeys?: readonly string[];
  /** Runs the command; resolves to the exit status. Servers resolve when they stop. */
  run(values: FlagValues, positionals: string[]): Promise<number>;
}

/** A usage mistake: printed as one line, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
