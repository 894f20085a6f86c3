/**
 * @module log — one line per event on stderr: `2026-11-25T08:00:00.000Z INFO
 * agent listening url=http://127.0.0.1:65002`. Values with spaces are quoted.
 * With `--log-format json` each line is one JSON object instead:
 * `{"time":"…","level":"info","role":"agent","event":"listening","url":"…"}`.
 * Tests and scripts find a server's address by matching `listening url=` (or
 * `"event":"listening","url":` in JSON).
 */

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Fields appended to a log line as `key=value`. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** A logger bound to one role name. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** How lines are written: for people (`text`) or for machines (`json`). */
export type LogFormat = "text" | "json";

let threshold: LogLevel = "info";
let format: LogFormat = "text";
const encoder = new TextEncoder();

/** Sets the lowest level that is printed (process-wide). */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** Parses `--log-level`; throws RangeError on an unknown name. */
export function parseLogLevel(text: string): LogLevel {
  if (text in ORDER) return text as LogLevel;
  throw new RangeError(`Cannot use log level "${text}": choose debug, info, warn or error`);
}

function formatValue(value: string | number | boolean | null): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** Sets how lines are written (process-wide). */
export function setLogFormat(value: LogFormat): void {
  format = value;
}

/** Parses `--log-format`; throws RangeError on an unknown name. */
export function parseLogFormat(text: string): LogFormat {
  if (text === "text" || text === "json") return text;
  throw new RangeError(`Cannot use log format "${text}": choose text or json`);
}

/**
 * Renders one log line as a JSON object (without the newline). The fixed keys
 * come first and win over a field of the same name.
 *
 * @example
 * ```ts
 * import { formatJsonLine } from "./log.ts";
 * const line = formatJsonLine(new Date(0), "info", "agent", "listening", { url: "http://x" });
 * if (JSON.parse(line).url !== "http://x") throw new Error();
 * ```
 */
export function formatJsonLine(
  now: Date,
  level: LogLevel,
  role: string,
  event: string,
  fields: LogFields = {},
): string {
  const record: Record<string, unknown> = { time: now.toISOString(), level, role, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && !(key in record)) record[key] = value;
  }
  return JSON.stringify(record);
}

/** Renders one log line (without the newline). */
export function formatLine(
  now: Date,
  level: LogLevel,
  role: string,
  event: string,
  fields: LogFields = {},
): string {
  let line = `${now.toISOString()} ${level.toUpperCase()} ${role} ${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
  }
  return line.replaceAll("\n", " ");
}

/** A logger whose lines start with `role`. */
export function createLogger(role: string): Logger {
  const write = (level: LogLevel) => (event: string, fields?: LogFields) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const render = format === "json" ? formatJsonLine : formatLine;
    try {
      Deno.stderr.writeSync(
        encoder.encode(render(new Date(), level, role, event, fields) + "\n"),
      );
    } catch {
      // stderr closed: nothing useful left to do with a log line.
    }
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
