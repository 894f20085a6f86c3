/**
 * @module changes — what changed in memory since the last flush, as keys
 * (rows are read from the records when the flush takes them, so a record
 * changed ten times is written once) plus append-only new rows.
 */
import type * as schema from "./db/schema.ts";

/** A hosts row. */
export type HostRow = typeof schema.hosts.$inferInsert;
/** A tasks row. */
export type TaskRow = typeof schema.tasks.$inferInsert;
/** A pieces row. */
export type PieceRow = typeof schema.pieces.$inferInsert;
/** A peers row. */
export type PeerRow = typeof schema.peers.$inferInsert;
/** A failures row (the id is assigned by the db). */
export type FailureRow = Omit<typeof schema.failures.$inferInsert, "id">;

/** One flush worth of rows to write and keys to delete. */
export interface Changes {
  hosts: HostRow[];
  deletedHosts: string[];
  tasks: TaskRow[];
  pieces: PieceRow[];
  peers: PeerRow[];
  deletedPeers: { taskId: string; hostId: string }[];
  failures: FailureRow[];
}

/** True when a flush has nothing to write. */
export function isEmpty(c: Changes): boolean {
  return c.hosts.length + c.deletedHosts.length + c.tasks.length + c.pieces.length +
      c.peers.length + c.deletedPeers.length + c.failures.length === 0;
}

/** Keys of changed records; a key is either dirty or deleted, never both. */
export class ChangeSet {
  readonly hosts = new Set<string>();
  readonly deletedHosts = new Set<string>();
  readonly tasks = new Set<string>();
  /** `taskId/hostId` → the pair. */
  readonly peers = new Map<string, { taskId: string; hostId: string }>();
  readonly deletedPeers = new Map<string, { taskId: string; hostId: string }>();
  pieces: PieceRow[] = [];
  failures: FailureRow[] = [];

  /** A host was created or changed. */
  host(id: string): void {
    this.deletedHosts.delete(id);
    this.hosts.add(id);
  }

  /** A host was removed. */
  hostGone(id: string): void {
    this.hosts.delete(id);
    this.deletedHosts.add(id);
  }

  /** A task was created or changed. */
  task(id: string): void {
    this.tasks.add(id);
  }

  /** A peer was created or changed. */
  peer(taskId: string, hostId: string): void {
    const key = `${taskId}/${hostId}`;
    this.deletedPeers.delete(key);
    this.peers.set(key, { taskId, hostId });
  }

  /** A peer was removed. */
  peerGone(taskId: string, hostId: string): void {
    const key = `${taskId}/${hostId}`;
    this.peers.delete(key);
    this.deletedPeers.set(key, { taskId, hostId });
  }

  /** Forgets everything (after the rows were taken). */
  clear(): void {
    this.hosts.clear();
    this.deletedHosts.clear();
    this.tasks.clear();
    this.peers.clear();
    this.deletedPeers.clear();
    this.pieces = [];
    this.failures = [];
  }
}
