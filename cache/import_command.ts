/**
 * @module import_command — `dfly import FILE [--name NAME]` (Dragonfly's
 * dfcache import): puts a local file into the swarm under a name. The
 * local agent stores and hashes it and tells its tracker it holds the
 * whole task, so `dfly export NAME` on any other host fetches it by P2P.
 */
import { basename } from "node:path";
import { type Command, type FlagValues, UsageError } from "../cli.ts";
import { DflyError } from "../errors.ts";
import { formatBytes } from "../util/units.ts";
import { CACHE_ROUTES, checkImportName, type ImportResult } from "../wire_ops.ts";
import { agentTarget, callAgent } from "./agent_api.ts";

const USAGE = `dfly import — put a local file into the swarm under a name

Usage: dfly import FILE [--name NAME] [options]

Options:
  --name NAME    name others export it by (default: the file's base name)
  --json         print the result as JSON
  --agent URL    the local agent (default http://127.0.0.1:65002)
  --token T      shared secret (or DFLY_TOKEN)
  -h, --help     show this help

Names are immutable: remove an old one with 'dfly cache rm NAME' before importing again.`;

/** The `dfly import` subcommand. */
export const importCommand: Command = {
  name: "import",
  summary: "put a local file into the swarm under a name (dfcache import)",
  usage: USAGE,
  options: {
    name: { type: "string" },
    json: { type: "boolean" },
    agent: { type: "string" },
    token: { type: "string" },
  },
  allowPositionals: true,
  configKeys: ["agent", "token"],
  async run(values: FlagValues, positionals: string[]): Promise<number> {
    if (positionals.length !== 1) throw new UsageError("give exactly one FILE to import");
    const path = positionals[0];
    const name = typeof values.name === "string" ? values.name : basename(path);
    try {
      checkImportName(name);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    let file: Deno.FsFile;
    let size: number;
    try {
      file = await Deno.open(path, { read: true });
      const stat = await file.stat();
      if (!stat.isFile) {
        file.close();
        throw new Error("not a regular file");
      }
      size = stat.size;
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
      throw new DflyError(`cannot read ${path}: ${why}`, "bad_input", 400);
    }
    const result = await callAgent(
      agentTarget(values),
      `${CACHE_ROUTES.import}?name=${encodeURIComponent(name)}&length=${size}`,
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: file.readable,
      },
    ) as ImportResult;
    if (values.json === true) console.log(JSON.stringify(result));
    else {
      console.log(
        `imported ${name}: ${
          formatBytes(result.length)
        }, ${result.pieceCount} pieces, task ${result.taskId}`,
      );
    }
    if (!result.announced) {
      console.error(
        `dfly import: stored on this agent, but no tracker knows it yet (${result.trackerError}); other hosts cannot export it`,
      );
      return 1;
    }
    return 0;
  },
};
