/**
 * @module schema — every table of the tracker's libsql database. The runtime
 * model lives in memory (`tracker/state.ts`); these rows are its write-behind
 * copy, read once at start-up. Times are Unix epoch milliseconds.
 */
import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Agents (one per host); the id is also the peer id in every task. */
export const hosts = sqliteTable("hosts", {
  id: text("id").primaryKey(),
  addr: text("addr").notNull(),
  idc: text("idc").notNull().default(""),
  seed: integer("seed", { mode: "boolean" }).notNull().default(false),
  uploads: integer("uploads").notNull().default(0),
  /** Failures reported against this host since it was first seen. */
  failures: integer("failures").notNull().default(0),
  /** Not handed out as a parent before this time; null when never isolated. */
  isolatedUntil: integer("isolated_until"),
  lastSeen: integer("last_seen").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** One source URL + tag, its length and how it is cut into pieces. */
export const tasks = sqliteTable("tasks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  tag: text("tag").notNull().default(""),
  length: integer("length"),
  pieceSize: integer("piece_size"),
  pieceCount: integer("piece_count"),
  etag: text("etag"),
  lastModified: text("last_modified"),
  /** Highest digest sequence number handed out for this task. */
  digestSeq: integer("digest_seq").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** The sha256 of each piece as its first holder reported it; never replaced. */
export const pieces = sqliteTable("pieces", {
  taskId: text("task_id").notNull(),
  idx: integer("idx").notNull(),
  digest: text("digest").notNull(),
  /** Order in which the tracker learned it; agents page with a cursor on it. */
  seq: integer("seq").notNull(),
}, (t) => [primaryKey({ columns: [t.taskId, t.idx] })]);

/** Which host holds which pieces of which task. */
export const peers = sqliteTable("peers", {
  taskId: text("task_id").notNull(),
  hostId: text("host_id").notNull(),
  /** The tracker's view of the pieces it holds (util/bitset bytes). */
  bitmap: blob("bitmap", { mode: "buffer" }),
  done: integer("done", { mode: "boolean" }).notNull().default(false),
  /** Sent to the source for this task. */
  source: integer("source", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at").notNull(),
}, (t) => [
  primaryKey({ columns: [t.taskId, t.hostId] }),
  index("peers_host_id").on(t.hostId),
]);

/** Every piece failure a downloader reported against a parent. */
export const failures = sqliteTable("failures", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  taskId: text("task_id").notNull(),
  reporterId: text("reporter_id").notNull(),
  hostId: text("host_id").notNull(),
  piece: integer("piece").notNull(),
  reason: text("reason").notNull(),
  at: integer("at").notNull(),
}, (t) => [index("failures_host_id").on(t.hostId, t.at)]);
