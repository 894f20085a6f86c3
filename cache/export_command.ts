/**
 * @module export_command — `dfly export NAME -o FILE` (Dragonfly's dfcache
 * export): fetches a file someone put into the swarm with `dfly import`.
 * It is `dfly get` of the name's import URL with `--p2p-only`: an import has
 * no source, so its pieces can only come from peers.
 */
import { type Command, type FlagValues, UsageError } from "../cli.ts";
import { getCommand } from "../get/command.ts";
import { importUrl } from "../wire_ops.ts";

const USAGE = `dfly export — fetch a file imported elsewhere with 'dfly import'

Usage: dfly export NAME -o FILE [options]

Options:
  -o, --output FILE  where to write it (- for stdout)
  --agent URL        the local agent (default http://127.0.0.1:65002)
  --token T          shared secret (or DFLY_TOKEN)
  --digest sha256:HEX  check the whole file
  --no-progress      no progress bar
  --json             print a JSON summary
  -h, --help         show this help`;

/** The `dfly export` subcommand. */
export const exportCommand: Command = {
  name: "export",
  summary: "fetch a file imported elsewhere by its name (dfcache export)",
  usage: USAGE,
  options: {
    output: { type: "string", short: "o" },
    agent: { type: "string" },
    token: { type: "string" },
    digest: { type: "string" },
    "no-progress": { type: "boolean" },
    json: { type: "boolean" },
  },
  allowPositionals: true,
  configKeys: ["agent", "token", "no-progress"],
  async run(values: FlagValues, positionals: string[]): Promise<number> {
    if (positionals.length !== 1) throw new UsageError("give exactly one NAME to export");
    let url: string;
    try {
      url = importUrl(positionals[0]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return await getCommand.run({ ...values, "p2p-only": true }, [url]);
  },
};
