/**
 * @module readiness — `/readyz`: whether a server should get traffic now,
 * as opposed to `/healthz` (whether the process lives). Each role supplies
 * named checks; the route answers 200 when all pass and 503 otherwise, with
 * every check's state in the body so an operator sees which one failed.
 */
import type { Handler } from "hono";

/** Path of the readiness route (open without the token, like /healthz). */
export const READY_PATH = "/readyz";

/** One named check: `ok` and a short word or phrase on its state. */
export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

/** Current checks of a server, by name. */
export type ReadinessProbe = () => Record<string, ReadinessCheck>;

/**
 * The `/readyz` handler for `probe` (ready when every check passes).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { READY_PATH, readyHandler } from "./readiness.ts";
 * const app = new Hono().get(READY_PATH, readyHandler(() => ({ db: { ok: false, detail: "closed" } })));
 * const res = await app.request(READY_PATH);
 * if (res.status !== 503 || (await res.json()).checks.db.detail !== "closed") throw new Error();
 * ```
 */
export function readyHandler(probe: ReadinessProbe): Handler {
  return function readyz(c) {
    const checks = probe();
    const ready = Object.values(checks).every((check) => check.ok);
    return c.json({ ready, checks }, ready ? 200 : 503);
  };
}
