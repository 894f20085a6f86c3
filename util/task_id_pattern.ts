/**
 * @module task_id_pattern — the shape of a task id, without the hashing that
 * makes one (util/task_id.ts): the wire module checks ids with it, and
 * `dfly get` starts ~35 ms sooner when nothing on its path loads node:crypto.
 */

/** A task id is 64 lowercase hex characters (a sha256). */
export const TASK_ID_PATTERN = /^[0-9a-f]{64}$/;

/**
 * True when `id` has the shape of a task id.
 *
 * @example
 * ```ts
 * import { isTaskId } from "./task_id_pattern.ts";
 * if (!isTaskId("a".repeat(64)) || isTaskId("A".repeat(64))) throw new Error();
 * ```
 */
export function isTaskId(id: string): boolean {
  return TASK_ID_PATTERN.test(id);
}
