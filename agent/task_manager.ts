/**
 * @module task_manager — one {@link TaskDownload} per task id, shared by every
 * local caller asking for it; finished tasks are served from the store.
 */
import { createHash } from "node:crypto";
import { DflyError } from "../errors.ts";
import type { StoredTask } from "../storage/stored_task.ts";
import { type DownloadDeps, TaskDownload, type TaskRequest } from "./download.ts";

/** Runs downloads and remembers whole-file digests of finished tasks. */
export class TaskManager {
  #deps: DownloadDeps;
  #running = new Map<string, TaskDownload>();
  #fileDigests = new Map<string, Promise<string>>();

  constructor(deps: DownloadDeps) {
    this.#deps = deps;
  }

  /**
   * The download of `request.id`: the running one, or a new one (which
   * returns at once when the store already holds the whole task).
   */
  ensure(request: TaskRequest): TaskDownload {
    const running = this.#running.get(request.id);
    if (
      running &&
      (running.status === "running" ||
        (running.status === "done" && this.#deps.store.get(request.id)))
    ) {
      return running;
    }
    const download = new TaskDownload(request, this.#deps);
    this.#running.set(request.id, download);
    return download;
  }

  /** The current or last download of a task in this process. */
  get(id: string): TaskDownload | undefined {
    return this.#running.get(id);
  }

  /** Downloads running now. */
  active(): TaskDownload[] {
    return [...this.#running.values()].filter((d) => d.status === "running");
  }

  /** Checks the whole file against `digest` (`sha256:HEX`); hashes each task once. */
  async verifyFile(task: StoredTask, digest: string): Promise<void> {
    const want = digest.slice("sha256:".length);
    let pending = this.#fileDigests.get(task.id);
    if (!pending) {
      pending = hashFile(task.dataPath);
      this.#fileDigests.set(task.id, pending);
      pending.catch(() => this.#fileDigests.delete(task.id));
    }
    const got = await pending;
    if (got !== want) {
      throw new DflyError(
        `digest mismatch: expected sha256:${want}, got sha256:${got}`,
        "digest_mismatch",
        422,
      );
    }
  }

  /** Stops every running download. */
  stopAll(): void {
    for (const d of this.#running.values()) d.stop();
  }
}

/** sha256 hex of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}
