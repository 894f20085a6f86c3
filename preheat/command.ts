/**
 * @module command — `dfly preheat URL | --image REF`: asks the tracker that
 * owns each task (rendezvous order over `--tracker`, failing over) to have a
 * seed fetch it, then follows progress until a host holds every piece.
 * Preheating what is already held is a no-op.
 */
import { rendezvousOrder } from "../agent/rendezvous.ts";
import { parseTrackerList } from "../agent/tracker_pool.ts";
import { type Command, type FlagValues, UsageError } from "../cli.ts";
import { DflyError } from "../errors.ts";
import { blobTaskId, taskId } from "../util/task_id.ts";
import { formatBytes, parseDuration } from "../util/units.ts";
import { type PeerSummary, type TaskDetail, TOKEN_HEADER } from "../wire.ts";
import { parsePreheatResponse, PREHEAT_ROUTE, type PreheatResponse } from "../wire_ops.ts";
import { parseImageRef } from "./image_ref.ts";
import { resolveImage } from "./resolve_image.ts";

const USAGE = `dfly preheat — have seeds fetch content before the fleet asks for it

Usage:
  dfly preheat URL [--tag T] [options]
  dfly preheat --image [http(s)://]REGISTRY/REPO:TAG [options]

With --image, the manifest (or the index, then this host's platform) is read
and the config and every layer are preheated, keyed by digest as the registry
mirror keys them. Preheating what a host already holds is a no-op.

Options:
  --tracker URL[,URL…]  tracker(s) (default http://127.0.0.1:8002); each task goes to its
                        rendezvous owner, failing over as agents do
  --tag T               task tag (as dfly get --tag)
  --token T             shared secret (or DFLY_TOKEN)
  --timeout DURATION    give up waiting after this long (default 30m)
  --no-wait             return once the seeds were asked
  --json                print one JSON line per task
  -h, --help            show this help`;

const POLL_MS = 300;

/** One thing to preheat. */
interface Target {
  url: string;
  tag: string;
  digest: string | null;
  id: string;
  label: string;
}

/** Tracker calls with failover in the task's rendezvous order. */
class TrackerCaller {
  #urls: string[];
  #token: string | null;
  constructor(urls: string[], token: string | null) {
    this.#urls = urls;
    this.#token = token;
  }

  async call(id: string, path: string, init: RequestInit = {}): Promise<unknown> {
    let lastError: unknown = null;
    for (const base of rendezvousOrder(id, this.#urls)) {
      const headers = new Headers(init.headers);
      if (this.#token) headers.set(TOKEN_HEADER, this.#token);
      let res: Response;
      try {
        res = await fetch(base + path, { ...init, headers, signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        lastError = new DflyError(
          `tracker ${base} unreachable (${(err as Error).message.split("\n")[0]})`,
          "tracker_unavailable",
          503,
        );
        continue;
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch { /* reported below */ }
      if (res.status === 401) {
        throw new DflyError(
          "the tracker refused the token (pass --token or DFLY_TOKEN)",
          "unauthorized",
          401,
        );
      }
      if (res.status >= 500) {
        lastError = new DflyError(
          `tracker ${base} answered ${res.status}`,
          "tracker_unavailable",
          503,
        );
        continue;
      }
      if (!res.ok) {
        const detail = (body as { error?: string } | null)?.error ?? text.slice(0, 200);
        throw new DflyError(`tracker: ${detail}`, "tracker_error", res.status);
      }
      return body;
    }
    throw lastError;
  }
}

/** Progress of one task at the tracker: pieces of the best holder, and whether one is done. */
export function taskProgress(
  detail: TaskDetail | null,
): { pieces: number; of: number | null; done: boolean } {
  if (!detail) return { pieces: 0, of: null, done: false };
  const best = detail.peerList.reduce<PeerSummary | null>(
    (a, p) => (a === null || p.pieces > a.pieces ? p : a),
    null,
  );
  return {
    pieces: best?.pieces ?? 0,
    of: detail.pieceCount,
    done: detail.peerList.some((p) => p.done),
  };
}

/** The `dfly preheat` subcommand. */
export const preheatCommand: Command = {
  name: "preheat",
  summary: "have seeds fetch a URL or an image's layers before the fleet asks",
  usage: USAGE,
  options: {
    tracker: { type: "string" },
    tag: { type: "string" },
    image: { type: "string" },
    token: { type: "string" },
    timeout: { type: "string" },
    "no-wait": { type: "boolean" },
    json: { type: "boolean" },
  },
  allowPositionals: true,
  configKeys: ["tracker", "token"],
  async run(values: FlagValues, positionals: string[]): Promise<number> {
    const image = values.image as string | undefined;
    if ((image === undefined) === (positionals.length === 0) || positionals.length > 1) {
      throw new UsageError("give one URL or --image REGISTRY/REPO:TAG");
    }
    let trackers: string[];
    try {
      trackers = parseTrackerList(
        (values.tracker as string | undefined) ?? "http://127.0.0.1:8002",
      );
    } catch (err) {
      throw new UsageError(`--tracker: ${(err as Error).message}`);
    }
    let timeoutMs = 30 * 60_000;
    if (typeof values.timeout === "string") {
      try {
        timeoutMs = parseDuration(values.timeout);
      } catch (err) {
        throw new UsageError(`--timeout: ${(err as Error).message}`);
      }
    }
    const tag = (values.tag as string | undefined) ?? "";
    const targets: Target[] = [];
    if (image !== undefined) {
      let ref;
      try {
        ref = parseImageRef(image);
      } catch (err) {
        throw new UsageError(`--image: ${(err as Error).message}`);
      }
      for (const blob of await resolveImage(ref)) {
        targets.push({
          url: blob.url,
          tag: "",
          digest: blob.digest,
          id: blobTaskId(blob.digest),
          label: `${blob.digest.slice(0, 19)} (${formatBytes(blob.size)})`,
        });
      }
    } else {
      const url = positionals[0];
      try {
        const u = new URL(url);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
      } catch {
        throw new UsageError(`"${url}" is not an http(s) URL`);
      }
      targets.push({ url, tag, digest: null, id: taskId({ url, tag }), label: url });
    }

    const caller = new TrackerCaller(trackers, (values.token as string | undefined) ?? null);
    const json = values.json === true;
    const answers: PreheatResponse[] = [];
    for (const t of targets) {
      const res = parsePreheatResponse(
        await caller.call(t.id, PREHEAT_ROUTE, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ url: t.url, tag: t.tag, digest: t.digest }),
        }),
      );
      answers.push(res);
      if (!json) {
        console.error(`preheat ${t.label}: ${res.status === "done" ? "already held" : res.status}`);
      }
    }
    if (values["no-wait"] === true) {
      for (const [i, t] of targets.entries()) report(json, t, answers[i].status, null);
      return 0;
    }

    const deadline = performance.now() + timeoutMs;
    const finished = new Set<number>();
    let lastLine = "";
    let lastPrint = 0;
    while (true) {
      let pieces = 0;
      let total = 0;
      for (const [i, t] of targets.entries()) {
        if (finished.has(i)) continue;
        const detail = await caller.call(t.id, `/api/v1/tasks/${t.id}`).catch((err) => {
          if (err instanceof DflyError && err.status === 404) return null;
          throw err;
        }) as TaskDetail | null;
        const p = taskProgress(detail);
        if (p.done) {
          finished.add(i);
          report(json, t, answers[i].status, detail);
        } else {
          pieces += p.pieces;
          total += p.of ?? 0;
        }
      }
      if (finished.size === targets.length) return 0;
      const line = `preheat: ${finished.size}/${targets.length} done` +
        (total > 0 ? `, ${Math.floor((pieces / total) * 100)}% of the rest` : "");
      if (!json && (line !== lastLine || performance.now() - lastPrint > 5000)) {
        console.error(line);
        lastLine = line;
        lastPrint = performance.now();
      }
      if (performance.now() > deadline) {
        throw new DflyError(
          `${targets.length - finished.size} of ${targets.length} not held by any host after ${
            values.timeout ?? "30m"
          }`,
          "timeout",
          504,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  },
};

function report(json: boolean, t: Target, status: string, detail: TaskDetail | null): void {
  const length = detail?.length ?? null;
  if (json) {
    console.log(JSON.stringify({ taskId: t.id, url: t.url, digest: t.digest, status, length }));
  } else {
    const how = status === "done" ? "already held" : "held";
    console.log(
      `${how}  ${t.id.slice(0, 12)}  ${
        length === null ? "" : formatBytes(length) + "  "
      }${t.label}`,
    );
  }
}
