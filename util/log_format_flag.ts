/**
 * @module log_format_flag — applies a command's `--log-format` flag, turning
 * a bad value into the one-line usage error every flag gives.
 */
import { type FlagValues, UsageError } from "../cli.ts";
import { parseLogFormat, setLogFormat } from "./log.ts";

/** Sets the process's log format from a `--log-format` value (nothing when absent). */
export function applyLogFormat(value: FlagValues[string]): void {
  if (value === undefined) return;
  try {
    setLogFormat(parseLogFormat(String(value)));
  } catch (err) {
    throw new UsageError(`--log-format: ${(err as Error).message}`);
  }
}
