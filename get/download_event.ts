/**
 * @module download_event — checks what the agent sends back to `dfly get`:
 * the NDJSON {@link DownloadEvent} lines and the byte counters of an
 * {@link AgentTaskSummary}. Anything malformed throws {@link WireError}.
 */
import { WireError } from "../errors.ts";
import type { AgentTaskSummary, DownloadEvent } from "../wire.ts";

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireError(`${what} must be a JSON object`);
  }
  return value as Json;
}

function count(o: Json, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new WireError(`${what}.${key} must be a non-negative integer`);
  }
  return v;
}

function text(o: Json, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new WireError(`${what}.${key} must be a string`);
  return v;
}

function nullable<T>(o: Json, key: string, read: () => T): T | null {
  return o[key] === null || o[key] === undefined ? null : read();
}

/**
 * Parses one line of the agent's download answer.
 *
 * @example
 * ```ts
 * import { parseDownloadEvent } from "./download_event.ts";
 * const e = parseDownloadEvent({ type: "error", taskId: null, code: "source_error", message: "gone" });
 * if (e.type !== "error") throw new Error();
 * ```
 */
export function parseDownloadEvent(value: unknown): DownloadEvent {
  const o = object(value, "event");
  switch (o.type) {
    case "progress":
      return {
        type: "progress",
        taskId: text(o, "taskId", "event"),
        total: nullable(o, "total", () => count(o, "total", "event")),
        bytes: count(o, "bytes", "event"),
        fromPeers: count(o, "fromPeers", "event"),
        fromSource: count(o, "fromSource", "event"),
      };
    case "done": {
      const seconds = o.seconds;
      if (typeof seconds !== "number" || !(seconds >= 0)) {
        throw new WireError("event.seconds must be a non-negative number");
      }
      const via = o.via;
      if (via !== "hardlink" && via !== "copy" && via !== "stream") {
        throw new WireError("event.via must be hardlink, copy or stream");
      }
      return {
        type: "done",
        taskId: text(o, "taskId", "event"),
        total: count(o, "total", "event"),
        fromPeers: count(o, "fromPeers", "event"),
        fromSource: count(o, "fromSource", "event"),
        seconds,
        output: nullable(o, "output", () => text(o, "output", "event")),
        via,
      };
    }
    case "error":
      return {
        type: "error",
        taskId: nullable(o, "taskId", () => text(o, "taskId", "event")),
        code: text(o, "code", "event"),
        message: text(o, "message", "event"),
      };
    default:
      throw new WireError(
        `event.type must be progress, done or error, not ${JSON.stringify(o.type)}`,
      );
  }
}

/** The byte counters of an {@link AgentTaskSummary}. */
export function parseTaskCounters(
  value: unknown,
): Pick<AgentTaskSummary, "fromPeers" | "fromSource"> {
  const o = object(value, "task");
  return { fromPeers: count(o, "fromPeers", "task"), fromSource: count(o, "fromSource", "task") };
}
