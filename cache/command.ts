/**
 * @module command — `dfly cache ls|rm|gc`: look at and trim the local
 * agent's piece cache.
 */
import { type Command, type FlagValues, UsageError } from "../cli.ts";
import { DflyError } from "../errors.ts";
import { isTaskId } from "../util/task_id.ts";
import { formatBytes, parseDuration, parseSize } from "../util/units.ts";
import { CACHE_ROUTES, type CacheListing, type GcResult } from "../wire_ops.ts";
import { type AgentTarget, agentTarget, callAgent } from "./agent_api.ts";
import { formatCacheTable } from "./cache_table.ts";

const USAGE = `dfly cache — the local agent's piece cache

Usage:
  dfly cache ls [--json]                     list cached tasks, most recently used first
  dfly cache rm TASK...                      remove tasks: a task id, a unique id prefix
                                             (at least 6 characters) or an import name
  dfly cache gc [--ttl DURATION] [--quota SIZE] [--json]
                                             remove finished tasks unread for --ttl, then the
                                             least recently used until usage fits --quota
                                             (defaults: the agent's --cache-ttl/--cache-size)

Options:
  --agent URL    the local agent (default http://127.0.0.1:65002)
  --token T      shared secret (or DFLY_TOKEN)
  -h, --help     show this help`;

/** Resolves what the user typed to task ids; throws on unknown or ambiguous input. */
export function resolveTasks(listing: CacheListing, wanted: string[]): string[] {
  return wanted.map((w) => {
    const byName = listing.tasks.filter((t) => t.name === w);
    if (byName.length === 1) return byName[0].id;
    if (isTaskId(w)) return w;
    const byPrefix = /^[0-9a-f]{6,63}$/.test(w)
      ? listing.tasks.filter((t) => t.id.startsWith(w))
      : [];
    if (byPrefix.length === 1) return byPrefix[0].id;
    if (byPrefix.length > 1) {
      throw new UsageError(`"${w}" matches ${byPrefix.length} tasks; give more of the id`);
    }
    throw new UsageError(`"${w}" is not a cached task id, id prefix or import name`);
  });
}

async function list(target: AgentTarget): Promise<CacheListing> {
  return await callAgent(target, CACHE_ROUTES.list) as CacheListing;
}

/** The `dfly cache` subcommand. */
export const cacheCommand: Command = {
  name: "cache",
  summary: "list, remove or collect tasks in the local agent's cache",
  usage: USAGE,
  options: {
    agent: { type: "string" },
    token: { type: "string" },
    json: { type: "boolean" },
    ttl: { type: "string" },
    quota: { type: "string" },
  },
  allowPositionals: true,
  configKeys: ["agent", "token"],
  async run(values: FlagValues, positionals: string[]): Promise<number> {
    const [action, ...rest] = positionals;
    const target = agentTarget(values);
    const json = values.json === true;
    if (action === "ls") {
      if (rest.length > 0) throw new UsageError("ls takes no arguments");
      const listing = await list(target);
      console.log(json ? JSON.stringify(listing) : formatCacheTable(listing, Date.now()));
      return 0;
    }
    if (action === "rm") {
      if (rest.length === 0) throw new UsageError("rm needs at least one task id or name");
      const ids = resolveTasks(await list(target), rest);
      let failed = 0;
      for (const id of ids) {
        try {
          await callAgent(target, CACHE_ROUTES.remove.replace(":taskId", id), { method: "DELETE" });
          console.log(`removed ${id}`);
        } catch (err) {
          if (!(err instanceof DflyError)) throw err;
          console.error(`dfly cache rm: ${id.slice(0, 12)}: ${err.message}`);
          failed++;
        }
      }
      return failed > 0 ? 1 : 0;
    }
    if (action === "gc") {
      if (rest.length > 0) throw new UsageError("gc takes no arguments, only --ttl and --quota");
      const flag = <T>(name: string, parse: (t: string) => T): T | null => {
        const text = values[name];
        if (typeof text !== "string") return null;
        try {
          return parse(text);
        } catch (err) {
          throw new UsageError(`--${name}: ${(err as Error).message}`);
        }
      };
      const result = await callAgent(target, CACHE_ROUTES.gc, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          ttlMs: flag("ttl", parseDuration),
          quota: flag("quota", parseSize),
        }),
      }) as GcResult;
      if (json) {
        console.log(JSON.stringify(result));
      } else {
        for (const r of result.removed) {
          console.log(`removed ${r.id}  ${formatBytes(r.bytes)}  (${r.reason})`);
        }
        const freed = result.removed.reduce((s, r) => s + r.bytes, 0);
        console.log(
          `${result.removed.length} tasks removed, ${formatBytes(freed)} freed, ${
            formatBytes(result.usage)
          } in use`,
        );
      }
      return 0;
    }
    throw new UsageError(
      action === undefined
        ? "missing action: ls, rm or gc"
        : `unknown action "${action}": use ls, rm or gc`,
    );
  },
};
