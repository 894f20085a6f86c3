/**
 * @module tasks_command — `dfly tasks`: lists the tasks of an agent (what it
 * holds and downloads) or of a tracker (every task with progress and peers),
 * as an aligned table or, with `--json`, a {@link TaskListing}.
 */
import type { Command, FlagValues } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { AGENT_ROUTES, type AgentTaskSummary, type Overview, TRACKER_ROUTES } from "../wire.ts";
import { baseUrl, getJson } from "./client.ts";
import {
  listingFromAgent,
  listingFromTracker,
  listingTable,
  type TaskListing,
} from "./task_listing.ts";

const DEFAULT_AGENT = "http://127.0.0.1:65002";

const USAGE = `dfly tasks — list the tasks of an agent or a tracker

Usage: dfly tasks [--agent URL | --tracker URL] [--json] [--token T]

Options:
  --agent URL    agent to ask (default ${DEFAULT_AGENT})
  --tracker URL  ask a tracker instead: every task in the swarm, with peers
  --json         print JSON ({ from, server, tasks: [...] }, see README)
  --token T      shared secret (or DFLY_TOKEN)
  -h, --help     show this help`;

/** The `dfly tasks` subcommand. */
export const tasksCommand: Command = {
  name: "tasks",
  summary: "list tasks on an agent or a tracker",
  usage: USAGE,
  options: {
    agent: { type: "string" },
    tracker: { type: "string" },
    json: { type: "boolean" },
    token: { type: "string" },
  },
  configKeys: ["agent", "tracker", "token"],
  allowPositionals: false,
  async run(values: FlagValues): Promise<number> {
    const agent = values.agent as string | undefined;
    const tracker = values.tracker as string | undefined;
    if (agent !== undefined && tracker !== undefined) {
      throw new UsageError("give --agent or --tracker, not both");
    }
    const token = (values.token as string | undefined) || null;
    let listing: TaskListing;
    try {
      if (tracker !== undefined) {
        const base = baseUrl(tracker, "tracker");
        const overview = await getJson<Overview>(base, TRACKER_ROUTES.overview, {
          token,
          what: "tracker",
        });
        listing = listingFromTracker(base, overview);
      } else {
        const base = baseUrl(agent ?? DEFAULT_AGENT, "agent");
        const { tasks } = await getJson<{ tasks: AgentTaskSummary[] }>(base, AGENT_ROUTES.tasks, {
          token,
          what: "agent",
        });
        listing = listingFromAgent(base, tasks);
      }
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    listing.tasks.sort((a, b) => a.url.localeCompare(b.url) || a.id.localeCompare(b.id));
    console.log(values.json ? JSON.stringify(listing, null, 2) : listingTable(listing).trimEnd());
    return 0;
  },
};
