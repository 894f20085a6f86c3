/**
 * @module client — opens the tracker's libsql database (an embedded file, or
 * a `libsql://`/`http(s)://` server), tunes embedded files and applies the
 * committed drizzle migrations.
 */
import { type Client, createClient } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { DflyError, errorMessage } from "../../errors.ts";
import * as schema from "./schema.ts";

/** The drizzle handle every query takes first. */
export type TrackerDb = LibSQLDatabase<typeof schema>;

/** An open database and its client (to close it). */
export interface OpenDb {
  db: TrackerDb;
  client: Client;
  close(): void;
}

/**
 * Where the generated SQL migrations live: `tracker/migrations` beside this
 * module when run from source or `deno compile` (which embeds it), or
 * `migrations/` beside `dfly.js` in the `deno task bundle` output (the
 * bundle's `import.meta.url` is the bundle file itself).
 */
export const MIGRATIONS_DIR: string = findMigrations(["./migrations", "../migrations"]);

function findMigrations(candidates: string[]): string {
  const dirs = candidates.map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  for (const dir of dirs) {
    try {
      if (Deno.statSync(`${dir}/meta/_journal.json`).isFile) return dir;
    } catch {
      // not here; try the next place
    }
  }
  return dirs[dirs.length - 1];
}

/**
 * Opens `url`, creating the parent directory of a `file:` database, and
 * migrates it to the current schema.
 */
export async function openTrackerDb(url: string, authToken?: string): Promise<OpenDb> {
  const file = url.startsWith("file:") ? filePath(url) : null;
  if (file !== null && file !== ":memory:") {
    await Deno.mkdir(dirname(file), { recursive: true });
  }
  let client: Client;
  try {
    // One connection for an embedded file: per-connection PRAGMAs then hold
    // for every statement, and the tracker writes from one flush at a time.
    client = createClient({ url, authToken, concurrency: file !== null ? 1 : undefined });
    if (file !== null) {
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute("PRAGMA synchronous = NORMAL");
      await client.execute("PRAGMA busy_timeout = 5000");
    }
  } catch (err) {
    throw new DflyError(`Cannot open tracker db ${url}: ${errorMessage(err)}`, "db_error", 500, {
      cause: err,
    });
  }
  const db = drizzle(client, { schema });
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    client.close();
    throw new DflyError(`Cannot migrate tracker db ${url}: ${rootMessage(err)}`, "db_error", 500, {
      cause: err,
    });
  }
  return { db, client, close: () => client.close() };
}

function filePath(url: string): string {
  const rest = url.slice("file:".length).split("?")[0];
  if (rest.startsWith("//")) return fileURLToPath(url.split("?")[0]);
  return decodeURIComponent(rest);
}

/**
 * The innermost cause's message on one line: drizzle wraps a network or
 * server error in "Failed query: <the whole SQL>", which says nothing useful.
 */
function rootMessage(err: unknown): string {
  let at = err;
  while (at instanceof Error && at.cause instanceof Error) at = at.cause;
  return errorMessage(at).replace(/\s+/g, " ").trim();
}
