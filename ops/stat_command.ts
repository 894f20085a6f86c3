/**
 * @module stat_command — `dfly stat TASK`: one task as the tracker sees it:
 * size and pieces, how many peers hold each piece, and every peer with its
 * progress and its host's rates. TASK is a task id or a unique prefix of one.
 */
import type { Command, FlagValues } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { DflyError } from "../errors.ts";
import {
  type Overview,
  type PieceMap,
  type TaskDetail,
  type TaskSummary,
  TRACKER_ROUTES,
} from "../wire.ts";
import { baseUrl, getJson } from "./client.ts";
import { buildTaskStat, statText } from "./task_stat.ts";

const DEFAULT_TRACKER = "http://127.0.0.1:8002";
/** The piece map route's column limit: up to this many pieces are counted one by one. */
const MAX_COLS = 1024;

const USAGE = `dfly stat — one task as the tracker sees it: pieces, holders, peers, rates

Usage: dfly stat TASK [--tracker URL] [--json] [--token T]

TASK is a task id (64 hex characters) or a unique prefix of one (at least 4).

Options:
  --tracker URL  tracker to ask (default ${DEFAULT_TRACKER})
  --json         print JSON (see README)
  --token T      shared secret (or DFLY_TOKEN)
  -h, --help     show this help`;

/** The `dfly stat` subcommand. */
export const statCommand: Command = {
  name: "stat",
  summary: "show one task's pieces, holders and peers",
  usage: USAGE,
  options: {
    tracker: { type: "string" },
    json: { type: "boolean" },
    token: { type: "string" },
  },
  configKeys: ["tracker", "token"],
  allowPositionals: true,
  async run(values: FlagValues, positionals: string[]): Promise<number> {
    if (positionals.length !== 1) throw new UsageError("give exactly one TASK");
    const wanted = positionals[0].toLowerCase();
    if (!/^[0-9a-f]{4,64}$/.test(wanted)) {
      throw new UsageError(`TASK "${positionals[0]}" must be 4 to 64 hex characters`);
    }
    let base: string;
    try {
      base = baseUrl((values.tracker as string | undefined) ?? DEFAULT_TRACKER, "tracker");
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const opts = { token: (values.token as string | undefined) || null, what: "tracker" };
    const { tasks } = await getJson<{ tasks: TaskSummary[] }>(base, TRACKER_ROUTES.tasks, opts);
    const matches = tasks.filter((t) => t.id.startsWith(wanted));
    if (matches.length === 0) {
      throw new DflyError(`No task ${wanted} at the tracker ${base}`, "task_not_found", 404);
    }
    if (matches.length > 1) {
      throw new DflyError(
        `${matches.length} tasks start with ${wanted}; give more of the id`,
        "ambiguous",
        400,
      );
    }
    const id = matches[0].id;
    const detail = await getJson<TaskDetail>(
      base,
      TRACKER_ROUTES.task.replace(":taskId", id),
      opts,
    );
    const count = detail.pieceCount ?? 0;
    const map = count > 0 && count <= MAX_COLS
      ? await getJson<PieceMap>(
        base,
        `${TRACKER_ROUTES.pieceMap.replace(":taskId", id)}?rows=1&cols=${count}`,
        opts,
      )
      : null;
    const overview = await getJson<Overview>(base, TRACKER_ROUTES.overview, opts);
    const stat = buildTaskStat(detail, map, overview);
    console.log(values.json ? JSON.stringify(stat, null, 2) : statText(stat).trimEnd());
    return 0;
  },
};
