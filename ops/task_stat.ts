/**
 * @module task_stat — what `dfly stat TASK` reports about one task (pieces,
 * how many peers hold each, every peer with its host's rates) and its text
 * form. Pure: built from the tracker's JSON answers.
 */
import { formatBytes } from "../util/units.ts";
import type { HostTraffic, Overview, PieceMap, TaskDetail } from "../wire.ts";
import { formatPercent, formatRate, formatTable } from "./table.ts";

/** One peer of the task with its host's traffic. */
export interface StatPeer {
  hostId: string;
  addr: string;
  idc: string;
  seed: boolean;
  pieces: number;
  progress: number;
  done: boolean;
  source: boolean;
  failures: number;
  /** The host's rates over all its tasks (bytes/s), from its last heartbeats. */
  downRate: number;
  upRate: number;
}

/** What `dfly stat --json` prints. */
export interface TaskStat {
  id: string;
  url: string;
  tag: string;
  length: number | null;
  pieceSize: number | null;
  pieceCount: number | null;
  /** Pieces whose digest the tracker knows (someone fetched them). */
  digests: number;
  /** Holders per piece: fewest, mean, and pieces held by nobody. */
  holders: { min: number; mean: number; none: number } | null;
  peers: StatPeer[];
}

/** Joins the task detail, its piece map (one column per piece) and the hosts' traffic. */
export function buildTaskStat(
  detail: TaskDetail,
  map: PieceMap | null,
  overview: Overview,
): TaskStat {
  const hosts = new Map<string, HostTraffic>(overview.hosts.map((h) => [h.id, h]));
  const count = detail.pieceCount ?? 0;
  let holders: TaskStat["holders"] = null;
  if (map && map.cols > 0 && map.cols === map.pieceCount) {
    const a = map.availability;
    holders = {
      min: Math.min(...a),
      mean: a.reduce((x, y) => x + y, 0) / a.length,
      none: a.filter((n) => n === 0).length,
    };
  }
  return {
    id: detail.id,
    url: detail.url,
    tag: detail.tag,
    length: detail.length,
    pieceSize: detail.pieceSize,
    pieceCount: detail.pieceCount,
    digests: detail.digests,
    holders,
    peers: detail.peerList
      .map((p) => ({
        hostId: p.hostId,
        addr: p.addr,
        idc: p.idc,
        seed: p.seed,
        pieces: p.pieces,
        progress: count ? p.pieces / count : 0,
        done: p.done,
        source: p.source,
        failures: p.failures,
        downRate: hosts.get(p.hostId)?.downRate ?? 0,
        upRate: hosts.get(p.hostId)?.upRate ?? 0,
      }))
      .sort((a, b) => b.pieces - a.pieces || a.addr.localeCompare(b.addr)),
  };
}

/**
 * The report as text: a few `key  value` lines, then one row per peer.
 *
 * @example
 * ```ts
 * import { statText } from "./task_stat.ts";
 * const text = statText({
 *   id: "a".repeat(64), url: "http://o/f", tag: "", length: null, pieceSize: null,
 *   pieceCount: null, digests: 0, holders: null, peers: [],
 * });
 * if (!text.includes("size     unknown yet")) throw new Error(text);
 * ```
 */
export function statText(s: TaskStat): string {
  const size = s.length === null
    ? "unknown yet"
    : `${formatBytes(s.length)} in ${s.pieceCount} pieces of ${formatBytes(s.pieceSize ?? 0)}`;
  const holders = s.holders
    ? `fewest ${s.holders.min}, mean ${s.holders.mean.toFixed(1)}, ${s.holders.none} held by nobody`
    : "-";
  const done = s.peers.filter((p) => p.done).length;
  const head = [
    `task     ${s.id}`,
    `url      ${s.url}${s.tag ? ` (tag ${s.tag})` : ""}`,
    `size     ${size}`,
    `pieces   ${s.digests}/${s.pieceCount ?? "?"} fetched into the swarm`,
    `holders  ${holders}`,
    `peers    ${s.peers.length} (${done} done)`,
  ].join("\n");
  const table = formatTable(
    [
      { header: "HOST" },
      { header: "ADDR" },
      { header: "IDC" },
      { header: "ROLE" },
      { header: "PIECES", right: true },
      { header: "PROGRESS", right: true },
      { header: "FAILURES", right: true },
      { header: "DOWN", right: true },
      { header: "UP", right: true },
    ],
    s.peers.map((p) => [
      p.hostId.slice(0, 8),
      p.addr,
      p.idc || "-",
      [p.seed ? "seed" : "peer", p.source ? "source" : ""].filter(Boolean).join(","),
      String(p.pieces),
      formatPercent(p.progress),
      String(p.failures),
      formatRate(p.downRate, formatBytes),
      formatRate(p.upRate, formatBytes),
    ]),
  );
  return `${head}\n\n${table}`;
}
