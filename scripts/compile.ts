/**
 * @module compile — `deno task compile`: builds the single binary
 * `dist/dfly` with `deno compile` (all permissions, the tracker's migrations
 * embedded). `deno compile` starts from `denort`, the Deno runtime without
 * its tool chain, which it downloads from dl.deno.land; where that is not
 * reachable, point `DENORT_BIN` at a `denort` of the same Deno version.
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const HELP = `compile: deno compile could not get its base binary (denort).
  deno compile starts from denort ${Deno.version.deno}, downloaded from
  https://dl.deno.land/release/v${Deno.version.deno}/denort-<target>.zip
  (target e.g. x86_64-unknown-linux-gnu). Where that host is unreachable:
    1. fetch that zip on a machine that can, unzip it, copy denort here;
    2. run: DENORT_BIN=/path/to/denort deno task compile
  Or build the runnable bundle instead: deno task bundle (dist/dfly.js).`;

const { code } = await new Deno.Command(Deno.execPath(), {
  args: [
    "compile",
    "-A",
    "--include",
    "tracker/migrations",
    "--output",
    "dist/dfly",
    "main.ts",
  ],
  cwd: ROOT,
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
if (code !== 0) {
  if (!Deno.env.get("DENORT_BIN")) console.error(`\n${HELP}`);
  Deno.exit(code);
}
console.error("compile: dist/dfly (run: dist/dfly --help)");
