/**
 * @module graceful_close — the steps of an agent's SIGTERM that need more
 * than one line: telling the trackers this host leaves every task (so they
 * stop handing it out as a parent while it drains), and closing the
 * listener while in-flight uploads finish, up to a bound.
 */
import { errorMessage } from "../errors.ts";
import type { RunningServer } from "../util/http.ts";
import type { Logger } from "../util/log.ts";
import { within } from "../util/within.ts";

/** How long in-flight uploads may take to finish after SIGTERM. */
export const SHUTDOWN_DRAIN_MS = 20_000;
/** How long the trackers get to hear that this host leaves. */
export const LEAVE_TIMEOUT_MS = 2000;

/** Removes this host from every task it holds at the trackers; best effort, bounded. */
export async function leaveTrackers(
  leave: () => Promise<void>,
  log: Logger,
  ms = LEAVE_TIMEOUT_MS,
): Promise<void> {
  const leaving = leave().catch((err) => {
    log.warn("could not tell the trackers this host leaves", { error: errorMessage(err) });
  });
  if (!await within(leaving, ms)) log.warn("trackers did not confirm the leave in time");
}

/**
 * Stops accepting connections and waits for in-flight requests (piece
 * uploads, local downloads) to finish, at most `ms`; past that the process
 * exits with them cut off (their downloaders go to other parents).
 */
export async function drainServer(server: RunningServer, log: Logger, ms = SHUTDOWN_DRAIN_MS) {
  const started = performance.now();
  const drained = await within(server.shutdown().catch(() => {}), ms);
  if (drained) {
    log.info("drained", { ms: Math.round(performance.now() - started) });
  } else {
    log.warn("uploads still running at the drain bound; closing", { ms });
  }
}
