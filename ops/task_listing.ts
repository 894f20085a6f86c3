/**
 * @module task_listing — the shape `dfly tasks --json` prints (documented in
 * the README) and how a tracker's overview or an agent's task list becomes
 * it, plus its aligned-table form. Pure: no I/O.
 */
import { formatBytes } from "../util/units.ts";
import type { AgentTaskSummary, Overview } from "../wire.ts";
import { formatPercent, formatTable } from "./table.ts";

/** One task as `dfly tasks` shows it. */
export interface ListedTask {
  id: string;
  url: string;
  /** Bytes, or null while unknown. */
  length: number | null;
  pieceCount: number | null;
  /** Agent: pieces it holds. Tracker: pieces whose digest the swarm knows. */
  pieces: number;
  /** Agent: pieces held / piece count. Tracker: mean over its peers. 0 to 1. */
  progress: number;
  /** Tracker: peers of the task. Agent: peers it fetched pieces from in its last run. */
  peers: number | null;
  /** Tracker only: peers holding all of it. */
  done: number | null;
  /** Agent only: a download runs now; bytes it fetched from peers / the source. */
  active: boolean | null;
  fromPeers: number | null;
  fromSource: number | null;
}

/** What `dfly tasks --json` prints. */
export interface TaskListing {
  /** Which kind of server answered. */
  from: "agent" | "tracker";
  /** Its base URL. */
  server: string;
  tasks: ListedTask[];
}

/** A tracker's overview as a listing. */
export function listingFromTracker(server: string, overview: Overview): TaskListing {
  return {
    from: "tracker",
    server,
    tasks: overview.tasks.map((t) => ({
      id: t.id,
      url: t.url,
      length: t.length,
      pieceCount: t.pieceCount,
      pieces: t.digests,
      progress: t.progress,
      peers: t.peers,
      done: t.done,
      active: null,
      fromPeers: null,
      fromSource: null,
    })),
  };
}

/** An agent's task list as a listing. */
export function listingFromAgent(server: string, tasks: AgentTaskSummary[]): TaskListing {
  return {
    from: "agent",
    server,
    tasks: tasks.map((t) => ({
      id: t.id,
      url: t.url,
      length: t.length,
      pieceCount: t.pieceCount,
      pieces: t.pieces,
      progress: t.pieceCount ? t.pieces / t.pieceCount : 0,
      peers: t.parents,
      done: null,
      active: t.active,
      fromPeers: t.fromPeers,
      fromSource: t.fromSource,
    })),
  };
}

/**
 * The listing as an aligned table; tracker listings show peers, agent
 * listings show where the bytes came from.
 *
 * @example
 * ```ts
 * import { listingTable } from "./task_listing.ts";
 * const text = listingTable({ from: "tracker", server: "http://t", tasks: [] });
 * if (!text.startsWith("TASK")) throw new Error(text);
 * ```
 */
export function listingTable(listing: TaskListing): string {
  const size = (n: number | null) => n === null ? "-" : formatBytes(n);
  const pieces = (t: ListedTask) => `${t.pieces}/${t.pieceCount ?? "?"}`;
  if (listing.from === "tracker") {
    return formatTable(
      [
        { header: "TASK" },
        { header: "SIZE", right: true },
        { header: "PIECES", right: true },
        { header: "PROGRESS", right: true },
        { header: "PEERS", right: true },
        { header: "DONE", right: true },
        { header: "URL" },
      ],
      listing.tasks.map((t) => [
        t.id.slice(0, 12),
        size(t.length),
        pieces(t),
        formatPercent(t.progress),
        String(t.peers ?? 0),
        String(t.done ?? 0),
        t.url,
      ]),
    );
  }
  return formatTable(
    [
      { header: "TASK" },
      { header: "SIZE", right: true },
      { header: "PIECES", right: true },
      { header: "PROGRESS", right: true },
      { header: "STATE" },
      { header: "PEERS", right: true },
      { header: "FROM PEERS", right: true },
      { header: "FROM SOURCE", right: true },
      { header: "URL" },
    ],
    listing.tasks.map((t) => [
      t.id.slice(0, 12),
      size(t.length),
      pieces(t),
      formatPercent(t.progress),
      t.active ? "downloading" : t.progress === 1 ? "complete" : "partial",
      String(t.peers ?? 0),
      size(t.fromPeers),
      size(t.fromSource),
      t.url,
    ]),
  );
}
