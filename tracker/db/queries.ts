/**
 * @module queries — every statement the tracker runs: `loadState` reads the
 * whole model once at start-up, `persistChanges` writes one flush as a single
 * batch (one transaction). Routes never touch the db.
 */
import { count, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Changes } from "../changes.ts";
import type { Snapshot } from "../load.ts";
import type { TrackerDb } from "./client.ts";
import { failures, hosts, peers, pieces, tasks } from "./schema.ts";

/** Rows per multi-row statement (keeps bound parameters well under SQLite's limit). */
const CHUNK = 200;

/** Reads every host, task, piece digest and peer, plus failure counts per peer. */
export async function loadState(db: TrackerDb): Promise<Snapshot> {
  const [hostRows, taskRows, pieceRows, peerRows, failureRows] = await db.batch([
    db.select().from(hosts),
    db.select().from(tasks),
    db.select().from(pieces),
    db.select().from(peers),
    db.select({ taskId: failures.taskId, hostId: failures.hostId, count: count() })
      .from(failures)
      .groupBy(failures.taskId, failures.hostId),
  ]);
  return {
    hosts: hostRows,
    tasks: taskRows,
    pieces: pieceRows,
    peers: peerRows,
    failureCounts: failureRows,
  };
}

/** Writes one flush of changes in one transaction. */
export async function persistChanges(db: TrackerDb, changes: Changes): Promise<void> {
  const items: BatchItem<"sqlite">[] = [];
  for (const part of chunks(changes.deletedPeers)) {
    const pairs = sql.join(part.map((p) => sql`(${p.taskId}, ${p.hostId})`), sql`, `);
    items.push(
      db.delete(peers).where(sql`(${peers.taskId}, ${peers.hostId}) in (values ${pairs})`),
    );
  }
  for (const part of chunks(changes.deletedHosts)) {
    items.push(db.delete(hosts).where(inArray(hosts.id, part)));
  }
  for (const part of chunks(changes.hosts)) {
    items.push(
      db.insert(hosts).values(part).onConflictDoUpdate({
        target: hosts.id,
        set: excluded([
          "addr",
          "idc",
          "seed",
          "uploads",
          "failures",
          "isolated_until",
          "last_seen",
        ]),
      }),
    );
  }
  for (const part of chunks(changes.tasks)) {
    items.push(
      db.insert(tasks).values(part).onConflictDoUpdate({
        target: tasks.id,
        set: excluded([
          "length",
          "piece_size",
          "piece_count",
          "etag",
          "last_modified",
          "digest_seq",
          "updated_at",
        ]),
      }),
    );
  }
  for (const part of chunks(changes.pieces)) {
    items.push(db.insert(pieces).values(part).onConflictDoNothing());
  }
  for (const part of chunks(changes.peers)) {
    items.push(
      db.insert(peers).values(part).onConflictDoUpdate({
        target: [peers.taskId, peers.hostId],
        set: excluded(["bitmap", "done", "source", "updated_at"]),
      }),
    );
  }
  for (const part of chunks(changes.failures)) {
    items.push(db.insert(failures).values(part));
  }
  if (items.length === 0) return;
  await db.batch(items as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/** `SET col = excluded.col` for an upsert, keyed by the camelCase field names drizzle wants. */
function excluded(columns: string[]): Record<string, ReturnType<typeof sql>> {
  const set: Record<string, ReturnType<typeof sql>> = {};
  for (const column of columns) {
    const key = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    set[key] = sql.raw(`excluded.${column}`);
  }
  return set;
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}
