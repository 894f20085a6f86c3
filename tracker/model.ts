/**
 * @module model — the in-memory records the tracker works on: hosts, tasks
 * and the peers of each task. Only {@link TrackerState} creates and removes
 * them; handlers change fields and tell the state what they touched.
 */
import type { Listing } from "./listing.ts";
import type { Bitset } from "../util/bitset.ts";

/** An agent as the tracker knows it. */
export interface HostRec {
  id: string;
  addr: string;
  idc: string;
  seed: boolean;
  /** Piece uploads in progress, as last reported. */
  uploads: number;
  lastSeen: number;
  createdAt: number;
  /** Failures reported against it since it was first seen. */
  failures: number;
  /** Times of failures inside the isolation window. */
  recentFailures: number[];
  isolatedUntil: number | null;
  /** Ids of the tasks it is a peer of. */
  tasks: Set<string>;
  /** `lastSeen` as last written to the db (it is written lazily). */
  savedSeen: number;
}

/** One host's part in one task. */
export interface PeerRec {
  hostId: string;
  /** Pieces it holds, as far as the tracker knows; null while the piece count is unknown. */
  bitmap: Bitset | null;
  /** Cached base64 of `bitmap`; null when it changed since. */
  encoded: string | null;
  done: boolean;
  /** Sent to the source for this task. */
  source: boolean;
  /** Reported a source error; never sent to the source for this task again. */
  sourceFailed: boolean;
  /** Failures reported against it in this task. */
  failures: number;
  /** Last change to what it holds. */
  updatedAt: number;
  lastAnnounce: number;
  /** Position in its task's `peerList`. */
  slot: number;
  /** The parents its last answer left it knowing (see listing.ts); null before any. */
  listing: Listing | null;
}

/** A seed the tracker asked to fetch a task. */
export interface SeedTrigger {
  hostId: string;
  at: number;
  /** The seed has announced the task since. */
  announced: boolean;
}

/** One digest in the order the tracker learned it. */
export interface DigestEntry {
  idx: number;
  digest: string;
  seq: number;
}

/** One source URL + tag. */
export interface TaskRec {
  id: string;
  url: string;
  tag: string;
  length: number | null;
  pieceSize: number | null;
  pieceCount: number | null;
  etag: string | null;
  lastModified: string | null;
  /** Digest per piece index (sized once the piece count is known). */
  digests: (string | undefined)[];
  /** Every digest, ascending by `seq`. */
  digestLog: DigestEntry[];
  digestSeq: number;
  createdAt: number;
  updatedAt: number;
  peers: Map<string, PeerRec>;
  /** The same peers as an array, for sampling from a random start. */
  peerList: PeerRec[];
  /** Host ids of the peers with `source` set. */
  sourceGoers: Set<string>;
  /** Peers with `done` set. */
  doneCount: number;
  trigger: SeedTrigger | null;
  /** Seeds that were triggered and did not show up. */
  failedSeeds: Set<string>;
}

/** Digests after `cursor`, in sequence order. */
export function digestsAfter(task: TaskRec, cursor: number): DigestEntry[] {
  const log = task.digestLog;
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid].seq <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return log.slice(lo);
}

/** A task record with nothing known yet but its identity. */
export function newTask(
  base: Pick<TaskRec, "id" | "url" | "tag" | "createdAt" | "updatedAt">,
): TaskRec {
  return {
    ...base,
    length: null,
    pieceSize: null,
    pieceCount: null,
    etag: null,
    lastModified: null,
    digests: [],
    digestLog: [],
    digestSeq: 0,
    peers: new Map(),
    peerList: [],
    sourceGoers: new Set(),
    doneCount: 0,
    trigger: null,
    failedSeeds: new Set(),
  };
}
