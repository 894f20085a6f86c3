/**
 * @module drizzle.config — drizzle-kit settings: the tracker's schema and
 * where `deno task db:generate` writes SQL migrations (committed; applied at
 * tracker start-up by drizzle's libsql migrator).
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "turso",
  schema: "./tracker/db/schema.ts",
  out: "./tracker/migrations",
});
