/**
 * @module main — the `dfly` program: parses the command line with
 * `node:util` parseArgs and starts one role (tracker, agent, get).
 */
import { parseArgs } from "node:util";
import { type Command, UsageError } from "./cli.ts";
import { errorMessage } from "./errors.ts";
import {
  CONFIG_ENV,
  flagsFromDocument,
  flagsFromEnv,
  mergeFlags,
  readConfigFile,
} from "./util/config_sources.ts";

/** Subcommands, loaded only when used so `dfly get` starts fast. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  tracker: {
    summary: "run the tracker (task and peer state, parent hand-outs)",
    load: async () => (await import("./tracker/command.ts")).trackerCommand,
  },
  agent: {
    summary: "run an agent (piece cache, piece server, downloads for local callers)",
    load: async () => (await import("./agent/command.ts")).agentCommand,
  },
  get: {
    summary: "download a URL through the local agent",
    load: async () => (await import("./get/command.ts")).getCommand,
  },
  cache: {
    summary: "list, remove or collect tasks in the local agent's cache",
    load: async () => (await import("./cache/command.ts")).cacheCommand,
  },
  import: {
    summary: "put a local file into the swarm under a name",
    load: async () => (await import("./cache/import_command.ts")).importCommand,
  },
  export: {
    summary: "fetch a file imported elsewhere by its name",
    load: async () => (await import("./cache/export_command.ts")).exportCommand,
  },
  preheat: {
    summary: "have seeds fetch a URL or an image's layers before the fleet asks",
    load: async () => (await import("./preheat/command.ts")).preheatCommand,
  },
  tasks: {
    summary: "list the tasks of an agent or a tracker",
    load: async () => (await import("./ops/tasks_command.ts")).tasksCommand,
  },
  stat: {
    summary: "show one task's pieces, holders, peers and rates (tracker)",
    load: async () => (await import("./ops/stat_command.ts")).statCommand,
  },
  version: {
    summary: "print the dfly version",
    load: async () => (await import("./ops/version_command.ts")).versionCommand,
  },
  "containerd-config": {
    summary: "print a containerd hosts.toml that pulls through an agent's --proxy",
    load: async () => (await import("./proxy/containerd_command.ts")).containerdConfigCommand,
  },
};

const NAME_WIDTH = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
const USAGE = `dfly — peer-to-peer file distribution

Usage: dfly <command> [options]

Commands:
${
  Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(NAME_WIDTH)}  ${c.summary}`).join(
    "\n",
  )
}

Run 'dfly <command> --help' for a command's options.

Every command also reads its section of a YAML config file (--config FILE or
${CONFIG_ENV}=FILE) and DFLY_<FLAG> environment variables (e.g.
DFLY_DOWNLOAD_LIMIT=50MiB); flags win over the environment, which wins over
the file.`;

/** Runs `dfly` with `args`; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`dfly: unknown command "${name}" (try 'dfly --help')`);
    return 2;
  }
  const command = await entry.load();
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        ...command.options,
        help: { type: "boolean", short: "h" },
        config: { type: "string" },
      },
      allowPositionals: command.allowPositionals,
      strict: true,
    });
    if (values.help) {
      console.log(command.usage);
      return 0;
    }
    const configPath = (values.config as string | undefined) ?? Deno.env.get(CONFIG_ENV);
    const fromFile = configPath
      ? flagsFromDocument(await readConfigFile(configPath), {
        command: name,
        sections: Object.keys(COMMANDS),
        specs: command.options,
        keys: command.configKeys,
      })
      : {};
    const fromEnv = flagsFromEnv(Deno.env.toObject(), command.options, command.configKeys);
    const { config: _config, ...fromFlags } = values;
    return await command.run(mergeFlags(fromFile, fromEnv, fromFlags), positionals);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      console.error(`dfly ${name}: ${oneLine(err)} (try 'dfly ${name} --help')`);
      return 2;
    }
    console.error(`dfly ${name}: ${errorMessage(err)}`);
    return 1;
  }
}

function isParseArgsError(err: unknown): boolean {
  return err instanceof TypeError &&
    String((err as { code?: string }).code).startsWith("ERR_PARSE_ARGS");
}

function oneLine(err: unknown): string {
  return errorMessage(err).split(". To specify")[0];
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
