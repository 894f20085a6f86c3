/**
 * @module bundle — `deno task bundle`: builds a runnable dfly into `dist/`
 * without downloading anything:
 *
 *   dist/dfly.js                      the entry (`deno bundle --code-splitting`)
 *   dist/*.js                         its chunks: each command's code and the shared parts
 *   dist/migrations/                  the tracker's SQL migrations
 *   dist/node_modules/@libsql/<os>/   libsql's native library (a `.node` addon)
 *
 * Run it with `deno run -A dist/dfly.js <command> …` (the directory can be
 * moved anywhere as a whole; it needs no deno.json and no network).
 *
 * Split into chunks because `dfly get` is started once per download: from
 * one 1.1 MB file every start parsed the tracker, the agent and the database
 * driver too; with chunks it loads `main.ts`'s lazy command imports only
 * (`scripts/bench_ops.ts` measures the difference).
 * `--out DIR` builds elsewhere (the end-to-end test builds into a temp dir).
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function run(program: string, args: string[]): Promise<void> {
  const { code } = await new Deno.Command(program, {
    args,
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (code !== 0) throw new Error(`${program} ${args.join(" ")} exited with ${code}`);
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

/** Native libsql packages `deno install` fetched for this machine (`@libsql/linux-x64-gnu`, …). */
async function nativePackages(): Promise<{ name: string; dir: string }[]> {
  const found: { name: string; dir: string }[] = [];
  const store = `${ROOT}node_modules/.deno`;
  for await (const entry of Deno.readDir(store)) {
    const m = /^@libsql\+((?:linux|darwin|win32)-[a-z0-9-]+)@/.exec(entry.name);
    if (!m) continue;
    const dir = `${store}/${entry.name}/node_modules/@libsql/${m[1]}`;
    try {
      await Deno.stat(`${dir}/index.node`);
      found.push({ name: m[1], dir });
    } catch {
      // an optional package for another platform without its binary
    }
  }
  return found;
}

/** Builds the bundle into `out` (emptied first). */
export async function buildBundle(out: string): Promise<void> {
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.mkdir(out, { recursive: true });
  const installed = await Deno.stat(`${ROOT}node_modules/.deno`).then(() => true, () => false);
  if (!installed) await run(Deno.execPath(), ["install", "--frozen"]);
  await run(Deno.execPath(), [
    "bundle",
    "--quiet", // it would list every chunk; errors still go to stderr
    // Read node_modules as installed above; never take its lock, which would make
    // concurrently starting deno processes print "Blocking waiting for file lock".
    "--node-modules-dir=manual",
    "--platform",
    "deno",
    "--code-splitting",
    "--outdir",
    out,
    "main.ts",
  ]);
  // The entry is named after main.ts; chunks import each other, never the entry.
  await Deno.rename(`${out}/main.js`, `${out}/dfly.js`);
  await copyDir(`${ROOT}tracker/migrations`, `${out}/migrations`);
  const natives = await nativePackages();
  if (natives.length === 0) throw new Error("no native @libsql package in node_modules");
  for (const { name, dir } of natives) {
    await copyDir(dir, `${out}/node_modules/@libsql/${name}`);
  }
  console.error(
    `bundle: ${out}/dfly.js and its chunks, migrations/, native libsql for ${
      natives.map((n) => n.name).join(", ")
    }\nrun:    deno run -A ${out}/dfly.js --help`,
  );
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out");
  await buildBundle(i >= 0 ? Deno.args[i + 1] : `${ROOT}dist`);
}
