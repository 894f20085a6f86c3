/**
 * @module reannounce — after a tracker fails (or comes back), the tasks it
 * owns by rendezvous hashing belong to another tracker, which has never
 * heard of the finished copies this agent holds (finished downloads do not
 * announce again, and heartbeat inventories only count known tasks). This
 * announces each such task to its new owner as a finished holder with
 * every digest, as a source-goer would, so peers keep getting it from
 * peers instead of the origin.
 */
import { errorMessage } from "../errors.ts";
import type { PieceStore } from "../storage/piece_store.ts";
import type { Logger } from "../util/log.ts";
import type { HostInfo } from "../wire.ts";
import { importName } from "../wire_ops.ts";
import { rendezvousOrder } from "./rendezvous.ts";
import type { TrackerApi } from "./tracker_client.ts";

/** What {@link reannounceHeld} needs. */
export interface ReannounceDeps {
  store: PieceStore;
  tracker: TrackerApi & { urls: string[] };
  host: () => HostInfo;
  log: Logger;
}

/** Announces every finished task whose first-choice tracker is `url`; resolves with the count. */
export async function reannounceHeld(deps: ReannounceDeps, url: string): Promise<number> {
  const moved = deps.store.list().filter((t) =>
    t.complete && rendezvousOrder(t.id, deps.tracker.urls)[0] === url
  );
  let sent = 0;
  for (const t of moved) {
    const all = Array.from({ length: t.pieceCount }, (_, i) => i);
    try {
      await deps.tracker.announce({
        host: deps.host(),
        task: { id: t.id, url: t.url, tag: t.tag, private: importName(t.url) !== null },
        have: all,
        full: true,
        digestCursor: 0,
        source: {
          length: t.length,
          etag: t.etag,
          lastModified: t.lastModified,
          digests: all.map((i) => [i, t.digests[i]!]),
        },
        sourceError: null,
        failed: [],
        done: true,
        listing: 0,
      });
      sent++;
    } catch (err) {
      deps.log.warn("re-announce failed", { task: t.id, error: errorMessage(err) });
      break; // no tracker answers: the next change of owner tries again
    }
  }
  if (moved.length > 0) {
    deps.log.info("re-announced held tasks", { owner: url, tasks: sent, of: moved.length });
  }
  return sent;
}
