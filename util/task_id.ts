/**
 * @module task_id — the identity of a task: one source URL (minus the query
 * parameters the caller says vary per request, like signatures) plus a tag.
 * Agents and the tracker compute it the same way, so it lives here.
 */
import { createHash } from "node:crypto";

/** What identifies a task. */
export interface TaskKey {
  /** Source URL as the caller gave it. */
  url: string;
  /** Free-form tag that separates otherwise equal URLs (default ""). */
  tag?: string;
  /** Query parameter names left out of the identity (e.g. `X-Amz-Signature`). */
  filter?: readonly string[];
}

export { isTaskId, TASK_ID_PATTERN } from "./task_id_pattern.ts";

/**
 * The URL without its fragment and without the filtered query parameters;
 * other parameters keep their order.
 *
 * @example
 * ```ts
 * import { canonicalUrl } from "./task_id.ts";
 * const u = canonicalUrl("http://o/f?a=1&sig=x#frag", ["sig"]);
 * if (u !== "http://o/f?a=1") throw new Error(u);
 * ```
 */
export function canonicalUrl(url: string, filter: readonly string[] = []): string {
  const parsed = new URL(url);
  parsed.hash = "";
  if (filter.length > 0) {
    const kept = [...parsed.searchParams].filter(([name]) => !filter.includes(name));
    parsed.search = new URLSearchParams(kept).toString();
  }
  return parsed.href;
}

/**
 * The task id of a source URL and tag.
 *
 * @example
 * ```ts
 * import { taskId } from "./task_id.ts";
 * const a = taskId({ url: "http://o/f?sig=1", filter: ["sig"] });
 * const b = taskId({ url: "http://o/f?sig=2", filter: ["sig"] });
 * if (a !== b) throw new Error("filtered params must not change the id");
 * ```
 */
export function taskId(key: TaskKey): string {
  const canonical = canonicalUrl(key.url, key.filter ?? []);
  return createHash("sha256").update(`${canonical}\n${key.tag ?? ""}`).digest("hex");
}

/**
 * The task id of a content-addressed blob (`sha256:HEX`): the same layer from
 * any registry or repository is one task, whatever URL it was fetched from.
 *
 * @example
 * ```ts
 * import { blobTaskId, taskId } from "./task_id.ts";
 * const digest = `sha256:${"ab".repeat(32)}`;
 * if (blobTaskId(digest) === taskId({ url: "http://o/f" })) throw new Error();
 * ```
 */
export function blobTaskId(digest: string): string {
  return createHash("sha256").update(`blob\n${digest}`).digest("hex");
}
