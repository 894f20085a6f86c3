/**
 * @module download — runs one task to completion for local callers.
 *
 * ```
 *   announcer ──POST /announce──► tracker: have, digests, failures ─► parents, digests, backToSource
 *       │ (applies answers to TaskState, wakes the loop)
 *   loop: schedule()
 *       ├─ orderPieces ─► chooseParent ─► fetchPiece(parent) ─┐
 *       └─ source runs: openSource(Range) ────────────────────┤
 *                                                               ▼
 *   body → receivePieces: pooled reads, idle watch, rate limit, split, sha256 → file → verified
 * ```
 *
 * A piece is shareable the moment it is verified and on disk. Peers are
 * preferred; the source is used when the tracker says so, when the tracker is
 * unreachable, or when no parent delivered anything for a while.
 */
import { DflyError, DigestMismatchError, errorMessage, SourceError } from "../errors.ts";
import type { PieceStore } from "../storage/piece_store.ts";
import type { StoredTask } from "../storage/stored_task.ts";
import type { Logger } from "../util/log.ts";
import { Bitset } from "../util/bitset.ts";
import { pieceSize as pieceSizeFor } from "../util/piece_size.ts";
import { type FailureReason, formatPeerRef, type HostInfo, type TaskMeta } from "../wire.ts";
import { chooseParent } from "./parent_choice.ts";
import { type FetchPieceOptions, PeerError, SpreadDeferral } from "./peer_fetch.ts";
import {
  laggingTransfer,
  orderPieces,
  type TransferProgress,
  typicalTransferMs,
} from "./piece_choice.ts";
import { changed, openSource, reachError, type SourceInfo, type SourceResponse } from "./source.ts";
import { receiveBuffers } from "./stages/buffer_pool.ts";
import { IdleTimeoutError, receivePieces } from "./stages/receive_pieces.ts";
import { type KnownParent, type PieceRequest, TaskState } from "./task_state.ts";
import { agentMetrics } from "./metrics.ts";
import type { TokenBucket } from "./token_bucket.ts";
import type { TrackerApi } from "./tracker_client.ts";
import { Wakeup } from "./wakeup.ts";
import { checkWholeFile } from "./whole_file_digest.ts";

/** What a caller asks for. */
export interface TaskRequest {
  id: string;
  url: string;
  tag: string;
  /** Source-only headers (credentials); kept in memory for this download only. */
  headers: [string, string][];
  /** The request carries credentials: no seed can fetch it for us. */
  private: boolean;
  /**
   * `sha256:HEX` the whole file must hash to before the task is done (a
   * registry blob's digest); on a mismatch the task is dropped from the store.
   */
  digest?: string | null;
}

/** Tuning of the download engine. */
export interface DownloadConfig {
  /** Piece requests to peers in flight per task. */
  maxPeerRequests: number;
  /** Piece requests in flight to one parent. */
  maxPerParent: number;
  /** Piece requests in flight to one seed parent (a seed serves many downloaders at once). */
  maxPerSeed: number;
  /** Ask seeds only for pieces no other parent holds (see {@link chooseParent}). */
  seedLastResort: boolean;
  /** Pieces picked at random before rarest-first starts. */
  randomFirst: number;
  /** Endgame: requests at once for one piece. */
  maxDuplicates: number;
  /** Endgame: pieces whose transfer has received this share or more are not duplicated. */
  duplicateBelow: number;
  /** Endgame: a transfer is duplicated only once it has run this long ({@link laggingTransfer}). */
  endgameMinMs: number;
  /** Endgame: … and only when expected to take this many times the typical transfer. */
  endgameLateFactor: number;
  /** Endgame: expected to take this many times the typical transfer, a transfer is stuck (see chooseParent's `duplicate`). */
  endgameStuckFactor: number;
  /** A transfer with no bytes for this long fails. */
  idleTimeoutMs: number;
  /** A transfer that receives fewer bytes than this in an idle-timeout window fails (trickling). */
  idleMinBytes: number;
  /** A parent must start answering within this. */
  headersTimeoutMs: number;
  /** Without length from the tracker for this long, ask the source ourselves. */
  metaWaitMs: number;
  /** Without any verified piece for this long, fall back to the source. */
  starveMs: number;
  /** Source range requests in flight per task. */
  maxSourceRuns: number;
  /** Pieces one source range request covers at most (the first covers the file). */
  sourceRunPieces: number;
  /** Consecutive source failures before the task fails. */
  maxSourceFailures: number;
  /** Shared secret for piece requests. */
  token: string | null;
}

/** Sensible defaults for {@link DownloadConfig}. */
export const DEFAULT_DOWNLOAD_CONFIG: DownloadConfig = {
  // Fewer, faster transfers: a piece is whole (shareable) sooner and each
  // parent's upload slots are asked less often in vain (docs/SWARM.md, change 12).
  maxPeerRequests: 5,
  maxPerParent: 2,
  maxPerSeed: 1,
  seedLastResort: true,
  randomFirst: 4,
  maxDuplicates: 2,
  duplicateBelow: 0.5,
  endgameMinMs: 1000,
  endgameLateFactor: 2,
  endgameStuckFactor: 20,
  idleTimeoutMs: 5000,
  idleMinBytes: 16 * 1024,
  headersTimeoutMs: 3000,
  metaWaitMs: 10_000,
  starveMs: 8000,
  maxSourceRuns: 2,
  sourceRunPieces: 64,
  maxSourceFailures: 3,
  token: null,
};

/** Everything a download needs from the agent, as narrow interfaces. */
export interface DownloadDeps {
  store: PieceStore;
  tracker: TrackerApi | null;
  host(): HostInfo;
  limiter: TokenBucket;
  log: Logger;
  config: DownloadConfig;
  random(): number;
  now(): number;
  fetchPiece(
    addr: string,
    taskId: string,
    index: number,
    options: FetchPieceOptions,
  ): Promise<ReadableStream<Uint8Array>>;
}

/** Progress numbers of a download. */
export interface DownloadProgress {
  total: number | null;
  bytes: number;
  fromPeers: number;
  fromSource: number;
}

/** The download was stopped (agent shutting down). */
export class DownloadStoppedError extends DflyError {
  constructor() {
    super("Download stopped: the agent is shutting down", "stopped", 503);
  }
}

const SUPERSEDED = "superseded";
/** Finished transfers the endgame judges the ones in flight against. */
const RECENT_TRANSFERS = 16;

/** One task's download, started on construction. */
export class TaskDownload {
  readonly request: TaskRequest;
  readonly id: string;
  readonly startedAt: number;
  /** Resolves with the stored task once it is complete. */
  readonly done: Promise<StoredTask>;
  /** Resolves once the length is known and the task's files exist. */
  readonly ready: Promise<StoredTask>;
  stored: StoredTask | null = null;
  status: "running" | "done" | "failed" = "running";
  error: Error | null = null;
  fromPeers = 0;
  fromSource = 0;
  finishedAt: number | null = null;

  #deps: DownloadDeps;
  #cfg: DownloadConfig;
  #state = new TaskState();
  #loopWake = new Wakeup();
  /** Times of the last few piece transfers from parents (the endgame's yardstick). */
  #recentMs: number[] = [];
  #announceWake = new Wakeup();
  #stopped = false;
  #fatal: Error | null = null;
  #trackerMeta: TaskMeta | null = null;
  #trackerDown = false;
  #trackerFailures = 0;
  #fallbackSource = false;
  #lastProgress: number;
  #lastAnnounce = -Infinity;
  #announceAfter = 0;
  #wantParents = false;
  #complete = false;
  #sourceInfo: SourceInfo | null = null;
  #sourceInfoReported = false;
  #sourceError: string | null = null;
  #sourceRuns = 0;
  /** Controllers of the running source transfers. */
  #sourceControllers = new Set<AbortController>();
  #sourceFailures = 0;
  #controllers = new Set<AbortController>();
  #waiters = new Map<number, { resolve: () => void; reject: (e: Error) => void }[]>();
  #verifiedBytes = 0;
  #readyResolve!: (t: StoredTask) => void;
  #readyReject!: (e: Error) => void;
  #parentsUsed = new Set<string>();

  constructor(request: TaskRequest, deps: DownloadDeps) {
    this.request = request;
    this.id = request.id;
    this.#deps = deps;
    this.#cfg = deps.config;
    this.startedAt = deps.now();
    this.#lastProgress = this.startedAt;
    this.ready = new Promise((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.ready.catch(() => {});
    this.done = this.#run();
    this.done.catch(() => {});
  }

  /** How many peers delivered verified pieces to this download. */
  get parentsUsed(): number {
    return this.#parentsUsed.size;
  }

  /** Bytes verified so far, and where they came from. */
  progress(): DownloadProgress {
    return {
      total: this.stored?.length ?? null,
      bytes: this.#verifiedBytes,
      fromPeers: this.fromPeers,
      fromSource: this.fromSource,
    };
  }

  /** Resolves once piece `index` is verified on disk; rejects if the download fails. */
  waitPiece(index: number): Promise<void> {
    if (this.stored?.verified.has(index)) return Promise.resolve();
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(index) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(index, list);
    });
  }

  /** Stops the download (agent shutdown); callers see {@link DownloadStoppedError}. */
  stop(): void {
    this.#fail(new DownloadStoppedError());
  }

  // ---- the run ---------------------------------------------------------

  async #run(): Promise<StoredTask> {
    const { store, log } = this.#deps;
    store.busy.add(this.id);
    const announcer = this.#deps.tracker
      ? this.#announceLoop().catch((err) =>
        log.error("announcer stopped", { task: this.id, error: errorMessage(err) })
      )
      : Promise.resolve();
    if (!this.#deps.tracker) this.#trackerDown = true;
    try {
      const existing = store.get(this.id);
      if (existing) this.#attach(existing);
      else await this.#learnMeta();
      this.#readyResolve(this.stored!);
      await this.#downloadPieces();
      if (this.request.digest) await this.#checkWholeFile(this.request.digest);
      await this.stored!.persist();
      this.status = "done";
      this.finishedAt = this.#deps.now();
      this.#complete = true;
      this.#announceWake.notify();
      const seconds = (this.finishedAt - this.startedAt) / 1000;
      // Nothing fetched: the store already held it all (a cache hit is not a transfer).
      const cached = this.fromPeers + this.fromSource === 0;
      if (!cached) agentMetrics.downloadSeconds.observe(seconds);
      agentMetrics.downloads.inc(1, { result: cached ? "cached" : "done" });
      log.info("download finished", {
        task: this.id,
        bytes: this.stored!.length,
        seconds: seconds.toFixed(2),
        from_peers: this.fromPeers,
        from_source: this.fromSource,
        parents: this.#parentsUsed.size,
      });
      return this.stored!;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#fail(error);
      agentMetrics.downloads.inc(1, { result: "failed" });
      log.warn("download failed", { task: this.id, error: errorMessage(error) });
      throw error;
    } finally {
      this.#stopped = true;
      this.#abortAll();
      this.#announceWake.notify();
      store.busy.delete(this.id);
      // The final announce goes on in the background; callers need not wait for it.
      void announcer;
    }
  }

  /** A blob that does not hash to its name is never kept, served or reported done. */
  async #checkWholeFile(digest: string): Promise<void> {
    try {
      await checkWholeFile(this.stored!.dataPath, digest, `task ${this.id.slice(0, 12)}`);
    } catch (err) {
      this.#deps.log.warn("whole-file digest mismatch; dropping the task", {
        task: this.id,
        error: errorMessage(err),
      });
      await this.#deps.store.remove(this.id);
      throw err;
    }
  }

  #fail(error: Error): void {
    if (this.status !== "running") return;
    this.status = "failed";
    this.error = error;
    this.#fatal ??= error;
    this.#readyReject(error);
    for (const list of this.#waiters.values()) for (const w of list) w.reject(error);
    this.#waiters.clear();
    this.#abortAll();
    this.#loopWake.notify();
  }

  #abortAll(): void {
    for (const c of this.#controllers) c.abort(SUPERSEDED);
    this.#controllers.clear();
  }

  /** Takes over a task already (partly) in the store. */
  #attach(stored: StoredTask): void {
    this.stored = stored;
    this.#state.setPieceCount(
      stored.pieceCount,
      new Bitset(stored.pieceCount, stored.verified.bytes),
    );
    stored.digests.forEach((d, i) => d && this.#state.setDigest(i, d));
    this.#sourceInfo = {
      length: stored.length,
      etag: stored.etag,
      lastModified: stored.lastModified,
    };
    this.#verifiedBytes = stored.verifiedBytes;
  }

  async #learnMeta(): Promise<void> {
    const started = this.#deps.now();
    while (true) {
      this.#throwIfFatal();
      const meta = this.#trackerMeta;
      if (meta?.length != null && meta.pieceSize != null) {
        const stored = await this.#deps.store.create({
          id: this.id,
          url: this.request.url,
          tag: this.request.tag,
          length: meta.length,
          pieceSize: meta.pieceSize,
          etag: meta.etag,
          lastModified: meta.lastModified,
        });
        this.#attach(stored);
        return;
      }
      const waited = this.#deps.now() - started;
      if (this.#state.backToSource || this.#trackerDown || waited > this.#cfg.metaWaitMs) {
        await this.#openFirstSourceRun();
        return;
      }
      await this.#loopWake.wait(200);
    }
  }

  /** Asks the source from byte 0 to learn the length; the answer becomes the first run. */
  async #openFirstSourceRun(): Promise<void> {
    const controller = this.#controller();
    let res: SourceResponse;
    try {
      res = await openSource(this.request.url, {
        headers: this.request.headers,
        start: 0,
        signal: controller.signal,
      });
    } catch (err) {
      this.#controllers.delete(controller);
      throw this.#sourceFailed(err);
    }
    const meta = this.#trackerMeta;
    if (meta?.length != null && meta.length !== res.length) {
      await res.body.cancel();
      throw new SourceError(`source changed: length ${res.length}, tracker knows ${meta.length}`);
    }
    const size = meta?.pieceSize ?? pieceSizeFor(res.length);
    const stored = await this.#deps.store.create({
      id: this.id,
      url: this.request.url,
      tag: this.request.tag,
      length: res.length,
      pieceSize: size,
      etag: res.etag,
      lastModified: res.lastModified,
    }).catch(async (err) => {
      await res.body.cancel();
      throw err;
    });
    this.#attach(stored);
    this.#sourceInfo = { length: res.length, etag: res.etag, lastModified: res.lastModified };
    this.#sourceInfoReported = false;
    this.#announceWake.notify();
    // The open answer covers the whole file: it becomes the first source run.
    void this.#sourceRun(0, stored.pieceCount, res, controller);
  }

  async #downloadPieces(): Promise<void> {
    const stored = this.stored!;
    while (!stored.complete) {
      this.#throwIfFatal();
      const now = this.#deps.now();
      this.#state.refreshBlocks(now);
      if (!this.#fallbackSource && now - this.#lastProgress > this.#cfg.starveMs) {
        this.#fallbackSource = true;
        this.#deps.log.info("no progress from peers; using the source", { task: this.id });
      }
      this.#schedule();
      // Idle tick 250 ms, or sooner when a resting parent may be asked again.
      const at = this.#deps.now();
      const rest = this.#state.nextChangeAt(at) - at;
      await this.#loopWake.wait(Math.max(1, Math.min(250, Math.ceil(rest))));
    }
  }

  #throwIfFatal(): void {
    if (this.#fatal) throw this.#fatal;
    if (this.#stopped) throw new DownloadStoppedError();
  }

  // ---- scheduling ------------------------------------------------------

  #schedule(): void {
    const st = this.#state;
    if (st.pieceCount === null || !this.stored) return;
    const now = this.#deps.now();
    const progress = (r: PieceRequest): TransferProgress => ({
      received: r.received ?? 0,
      length: this.stored!.pieceLength(r.piece),
      elapsedMs: now - (r.startedAt ?? now),
    });
    /** The transfer of piece i furthest along (the one a duplicate would race). */
    const lead = (i: number) =>
      (st.inFlight.get(i) ?? []).reduce<PieceRequest | null>(
        (best, r) => (best === null || (r.received ?? 0) > (best.received ?? 0) ? r : best),
        null,
      );
    // Computed once per pass, on first use (null is a result: nothing to go by).
    let typical: number | null | undefined;
    const typicalMs = () => {
      if (typical === undefined) {
        typical = typicalTransferMs(
          this.#recentMs,
          [...st.inFlight.values()].flat().filter((x) => x.from !== "source").map(progress),
        );
      }
      return typical;
    };
    /** The transfer of piece i is expected to take `factor` × the typical transfer or more. */
    const late = (i: number, factor: number) => {
      const r = lead(i);
      if (r === null) return true;
      return laggingTransfer(progress(r), typicalMs(), {
        minElapsedMs: this.#cfg.endgameMinMs,
        lateFactor: factor,
      });
    };
    const view = {
      ...st.view(),
      wanted: (i: number) => this.#waiters.has(i),
      done: (i: number) => (lead(i)?.received ?? 0) / this.stored!.pieceLength(i),
      lagging: (i: number) => late(i, this.#cfg.endgameLateFactor),
    };
    if (st.backToSource || this.#trackerDown || this.#fallbackSource) {
      this.#startSourceRuns(view.availability);
    }
    let slots = this.#cfg.maxPeerRequests - st.peerRequests();
    if (slots <= 0) return;
    const order = orderPieces(view, {
      randomFirst: this.#cfg.randomFirst,
      maxDuplicates: this.#cfg.maxDuplicates,
      duplicateBelow: this.#cfg.duplicateBelow,
      random: this.#deps.random,
    });
    const parents = [...st.parents.values()];
    let started = 0;
    // Pieces a seed suggested (ones nobody has had from it yet) come first on that seed.
    for (const parent of parents) {
      if (slots === 0) break;
      if (!parent.seed || parent.blocked || parent.busy) continue;
      if (parent.inFlight >= this.#cfg.maxPerSeed) continue;
      const piece = this.#takeSuggestion(parent);
      if (piece === null) continue;
      this.#fetchFromPeer(piece, parent, "disk");
      slots--;
      started++;
    }
    for (const piece of order.pieces) {
      if (slots === 0) break;
      const flying = st.inFlight.get(piece) ?? [];
      // A source run owns its pieces' disk slots; duplicates would have to stop it.
      if (flying.some((r) => r.from === "source")) continue;
      const exclude = new Set(flying.map((r) => r.from));
      const parent = chooseParent(piece, parents, {
        maxInFlight: this.#cfg.maxPerParent,
        maxInFlightSeed: this.#cfg.maxPerSeed,
        seedLastResort: this.#cfg.seedLastResort,
        exclude,
        // Only a stuck transfer (a quiet or trickling parent) may send its duplicate to a
        // seed: the seed's second copies are what the origin host pays for.
        duplicate: flying.length > 0 && late(piece, this.#cfg.endgameStuckFactor),
        random: this.#deps.random,
      });
      if (!parent) continue;
      this.#fetchFromPeer(piece, parent, st.hasDiskWriter(piece) ? "memory" : "disk");
      slots--;
      started++;
    }
    if (started === 0 && st.inFlight.size === 0 && !this.#wantParents) {
      this.#wantParents = true;
      this.#announceWake.notify();
    }
  }

  /**
   * The first piece the seed `parent` suggested that we still need, nobody is
   * fetching, and no other parent holds; null if none.
   */
  #takeSuggestion(parent: KnownParent): number | null {
    const st = this.#state;
    const others = [...st.parents.values()].filter((p) => !p.seed && !p.blocked);
    while (parent.suggest.length > 0) {
      const piece = parent.suggest.shift()!;
      if (
        piece < st.pieceCount! && !st.have!.has(piece) && !st.inFlight.has(piece) &&
        st.digests[piece] !== null && parent.has(piece) && !others.some((p) => p.has(piece))
      ) return piece;
    }
    return null;
  }

  #startSourceRuns(availability: (i: number) => number): void {
    const st = this.#state;
    const count = st.pieceCount!;
    let i = 0;
    while (this.#sourceRuns < this.#cfg.maxSourceRuns && i < count) {
      const free = (j: number) => !st.have!.has(j) && !st.inFlight.has(j) && availability(j) === 0;
      while (i < count && !free(i)) i++;
      if (i >= count) break;
      let end = i;
      while (end < count && end - i < this.#cfg.sourceRunPieces && free(end)) end++;
      void this.#sourceRun(i, end, null, this.#controller());
      i = end;
    }
  }

  #controller(): AbortController {
    const c = new AbortController();
    this.#controllers.add(c);
    return c;
  }

  // ---- transfers -------------------------------------------------------

  /** Fetches pieces `[first, end)` from the source with one range request. */
  async #sourceRun(
    first: number,
    end: number,
    opened: SourceResponse | null,
    controller: AbortController,
  ): Promise<void> {
    const st = this.#state;
    const stored = this.stored!;
    this.#sourceRuns++;
    this.#sourceControllers.add(controller);
    const requests = new Map<number, PieceRequest>();
    for (let i = first; i < end; i++) {
      if (st.have!.has(i)) continue;
      requests.set(i, st.startRequest({ piece: i, from: "source", mode: "disk", controller }));
    }
    const startByte = first * stored.pieceSize;
    const endByte = Math.min(stored.length, end * stored.pieceSize);
    try {
      const res = opened ?? await openSource(this.request.url, {
        headers: this.request.headers,
        start: startByte,
        end: endByte,
        expect: this.#sourceInfo,
        signal: controller.signal,
      });
      if (!opened && this.#sourceInfo === null) {
        this.#sourceInfo = { length: res.length, etag: res.etag, lastModified: res.lastModified };
        this.#sourceInfoReported = false;
      }
      await this.#pipe(res.body, startByte, endByte, "source", "disk", controller, (i) => {
        const req = requests.get(i);
        if (req) {
          st.endRequest(req);
          requests.delete(i);
        }
      });
      this.#sourceFailures = 0;
    } catch (err) {
      if (!controller.signal.aborted || controller.signal.reason !== SUPERSEDED) {
        const error = this.#sourceFailed(err);
        if (error instanceof SourceError && error.sourceStatus !== undefined) this.#fatal ??= error;
        else if (++this.#sourceFailures >= this.#cfg.maxSourceFailures) this.#fatal ??= error;
        else this.#deps.log.warn("source transfer failed", { task: this.id, error: error.message });
      }
    } finally {
      for (const req of requests.values()) st.endRequest(req);
      this.#controllers.delete(controller);
      this.#sourceControllers.delete(controller);
      this.#sourceRuns--;
      this.#loopWake.notify();
    }
  }

  /**
   * The tracker no longer sends us to the source (a seed took over): stop the
   * source transfers, keeping every piece verified so far, unless we use the
   * source for reasons of our own (tracker down, starving).
   */
  #leaveSource(): void {
    if (this.#trackerDown || this.#fallbackSource || this.#sourceControllers.size === 0) return;
    this.#deps.log.info("the tracker released us from the source; continuing from peers", {
      task: this.id,
    });
    for (const c of this.#sourceControllers) c.abort(SUPERSEDED);
  }

  /** Turns a source failure into the error to report and throw. */
  #sourceFailed(err: unknown): Error {
    // A body that breaks off (reset, short) surfaces as a bare fetch error: say it was the source.
    const error = err instanceof DflyError ? err : new SourceError(
      `lost the connection to the source of ${this.request.url} (${reachError(err)})`,
      undefined,
      { cause: err },
    );
    this.#sourceError = errorMessage(error);
    this.#announceWake.notify();
    return error;
  }

  #fetchFromPeer(piece: number, parent: KnownParent, mode: "disk" | "memory"): void {
    const controller = this.#controller();
    const req = this.#state.startRequest({
      piece,
      from: parent.hostId,
      mode,
      controller,
      startedAt: this.#deps.now(),
    });
    req.settled = this.#transferFromPeer(req, parent);
  }

  async #transferFromPeer(req: PieceRequest, parent: KnownParent): Promise<void> {
    const { piece, mode, controller } = req;
    const st = this.#state;
    const stored = this.stored!;
    const started = this.#deps.now();
    const length = stored.pieceLength(piece);
    const me = this.#deps.host();
    try {
      const body = await this.#deps.fetchPiece(parent.addr, this.id, piece, {
        length,
        token: this.#cfg.token,
        signal: controller.signal,
        headersTimeoutMs: this.#cfg.headersTimeoutMs,
        from: formatPeerRef({ hostId: me.id, addr: me.addr }),
      });
      const start = piece * stored.pieceSize;
      await this.#pipe(body, start, start + length, parent.hostId, mode, controller, () => {}, req);
      const ms = this.#deps.now() - started;
      st.parentServed(parent.hostId, length, ms);
      this.#recentMs.push(ms);
      if (this.#recentMs.length > RECENT_TRANSFERS) this.#recentMs.shift();
    } catch (err) {
      if (err instanceof SpreadDeferral) {
        agentMetrics.spreadDeferred.inc(1, { parent: parent.seed ? "seed" : "peer" });
        const now = this.#deps.now();
        st.parentDeferred(parent.hostId, piece, err.retryMs, err.suggest, now);
        if (err.holder && err.holder.hostId !== me.id) {
          st.holderHinted(err.holder, piece, now);
          // A holder we could not connect to (gone): ask the seed for this
          // piece again at once. It serves a returning asker and stops naming
          // that holder; asking for other pieces first had each of them
          // refused the same way.
          if (st.unreachable(err.holder.hostId, now)) parent.suggest.unshift(piece);
        }
      } else if (
        err instanceof PeerError && err.notHeld &&
        st.notHeldYet(parent.hostId, piece, this.#deps.now())
      ) {
        // A holder a seed named is still receiving the piece: not a failure.
      } else if (controller.signal.aborted && controller.signal.reason === SUPERSEDED) {
        // Another transfer of this piece won (endgame), or the download ended: wasted bytes.
        agentMetrics.supersededBytes.inc(req.received ?? 0);
      } else {
        const reason = failureReason(err);
        agentMetrics.piecesRejected.inc(1, { reason });
        st.parentFailed(parent.hostId, piece, reason, this.#deps.now());
        this.#announceWake.notify();
        this.#deps.log.info("piece from parent failed", {
          task: this.id,
          piece,
          parent: parent.addr,
          reason,
          error: errorMessage(err),
        });
      }
    } finally {
      st.endRequest(req);
      this.#controllers.delete(controller);
      this.#loopWake.notify();
    }
  }

  /**
   * The body's pieces → file (or memory, for endgame duplicates), each checked
   * against its digest (see {@link receivePieces}).
   */
  async #pipe(
    body: ReadableStream<Uint8Array>,
    start: number,
    end: number,
    from: string,
    mode: "disk" | "memory",
    controller: AbortController,
    onPieceDone: (index: number) => void,
    /** Counts the bytes that reach the disk or the endgame buffer. */
    tally: { received?: number } = {},
  ): Promise<void> {
    const stored = this.stored!;
    const st = this.#state;
    const onPiece = (index: number, digest: string, bytes: number) => {
      onPieceDone(index);
      if (from === "source") {
        const known = st.digests[index];
        if (known !== null && known !== digest) {
          throw new DigestMismatchError(`source piece ${index} (source changed?)`, known, digest);
        }
      }
      this.#pieceVerified(index, digest, bytes, from);
    };
    const common = {
      start,
      end,
      pieceSize: stored.pieceSize,
      length: stored.length,
      pool: receiveBuffers,
      controller,
      idleMs: this.#cfg.idleTimeoutMs,
      idleMinBytes: this.#cfg.idleMinBytes,
      limiter: this.#deps.limiter,
      expected: (i: number) => from === "source" ? null : st.digests[i],
      what: `piece of task ${this.id.slice(0, 12)} from ${
        from === "source" ? "source" : "a parent"
      }`,
    };
    if (mode === "memory") {
      // Endgame duplicate: kept in memory; if it wins, the disk writer is
      // stopped first so that a piece's slot only ever has one writer.
      const chunks: { offset: number; bytes: Uint8Array }[] = [];
      await receivePieces(body, {
        ...common,
        bytes: (_index, offset, bytes) => {
          tally.received = (tally.received ?? 0) + bytes.byteLength;
          chunks.push({ offset, bytes: bytes.slice() });
        },
        piece: async (index, digest) => {
          if (st.have!.has(index)) return;
          const writers = (st.inFlight.get(index) ?? []).filter((r) => r.mode === "disk");
          for (const w of writers) w.controller.abort(SUPERSEDED);
          // The stopped writer's last write must land before ours.
          await Promise.all(writers.map((w) => w.settled));
          if (st.have!.has(index)) return;
          let bytes = 0;
          for (const c of chunks) {
            stored.writeAt(c.offset, c.bytes);
            bytes += c.bytes.byteLength;
          }
          onPiece(index, digest, bytes);
        },
      });
      return;
    }
    const writer = stored.openWriter();
    try {
      await receivePieces(body, {
        ...common,
        skip: (i) => st.have!.has(i),
        bytes: (_index, offset, bytes) => {
          writer.writeAt(offset, bytes);
          tally.received = (tally.received ?? 0) + bytes.byteLength;
          // Bytes arriving is progress: slow parents on a busy host are not starving.
          this.#lastProgress = this.#deps.now();
        },
        piece: onPiece,
      });
    } finally {
      writer.close();
    }
  }

  #pieceVerified(index: number, digest: string, bytes: number, from: string): void {
    const st = this.#state;
    if (this.status !== "running" || !st.pieceVerified(index, digest)) return;
    this.stored!.markVerified(index, digest);
    this.#verifiedBytes += bytes;
    const origin = from === "source" ? "source" : "peer";
    agentMetrics.downloadedBytes.inc(bytes, { origin });
    agentMetrics.piecesVerified.inc(1, { origin });
    if (from === "source") {
      this.fromSource += bytes;
      st.pendingDigests.push([index, digest]);
    } else {
      this.fromPeers += bytes;
      this.#parentsUsed.add(from);
    }
    this.#lastProgress = this.#deps.now();
    for (const w of this.#waiters.get(index) ?? []) w.resolve();
    this.#waiters.delete(index);
    // Endgame: the other requests for this piece are now useless.
    for (const r of st.inFlight.get(index) ?? []) {
      if (r.from !== from && r.from !== "source") r.controller.abort(SUPERSEDED);
    }
    this.#announceWake.notify();
    this.#loopWake.notify();
  }

  // ---- the tracker -----------------------------------------------------

  #announceDelay(now: number): number {
    const st = this.#state;
    const since = now - this.#lastAnnounce;
    // While the tracker fails, back off whatever there is to report.
    if (this.#trackerFailures > 0) return Math.max(0, this.#announceAfter - since);
    if (this.#complete || this.#sourceError) return 0;
    let due = this.#announceAfter;
    if (
      st.pendingHave.length > 0 || st.pendingFailures.length > 0 || st.pendingDigests.length > 0
    ) {
      due = Math.min(due, 250);
    }
    if (this.#sourceInfo && !this.#sourceInfoReported) due = 0;
    if (this.#wantParents) due = Math.min(due, 100);
    return Math.max(0, due - since);
  }

  async #announceLoop(): Promise<void> {
    const tracker = this.#deps.tracker!;
    while (true) {
      const finalAnnounce = this.#complete;
      if (this.#stopped && !finalAnnounce) return;
      const wait = this.#announceDelay(this.#deps.now());
      if (wait > 0) {
        await this.#announceWake.wait(wait);
        continue;
      }
      const st = this.#state;
      const full = st.fullReport;
      const have = full ? (st.have ? [...st.have] : []) : st.pendingHave;
      const failed = st.pendingFailures;
      const digests = st.pendingDigests;
      st.pendingHave = [];
      st.pendingFailures = [];
      st.pendingDigests = [];
      const sourceError = this.#sourceError;
      this.#wantParents = false;
      const info = this.#sourceInfo;
      const reportSource = info !== null && (digests.length > 0 || !this.#sourceInfoReported);
      this.#lastAnnounce = this.#deps.now();
      try {
        const res = await tracker.announce({
          host: this.#deps.host(),
          task: {
            id: this.id,
            url: this.request.url,
            tag: this.request.tag,
            private: this.request.private,
          },
          have,
          full,
          digestCursor: st.digestCursor,
          source: reportSource ? { ...info!, digests } : null,
          sourceError,
          failed,
          done: finalAnnounce,
          listing: st.listing,
        });
        if (full && !res.resync) st.fullReport = false;
        if (reportSource) this.#sourceInfoReported = true;
        if (sourceError === this.#sourceError) this.#sourceError = null;
        // A null task is the metadata of an earlier answer, unchanged; check it all the same.
        const meta = res.task ?? this.#trackerMeta;
        if (meta) this.#applyAnnounce(meta);
        const wasSent = st.backToSource;
        st.applyAnnounce(res, this.#deps.now());
        if (wasSent && !st.backToSource) this.#leaveSource();
        this.#announceAfter = res.announceAfterMs;
        this.#trackerDown = false;
        this.#trackerFailures = 0;
      } catch (err) {
        if (!full) st.pendingHave.unshift(...have);
        st.pendingFailures.unshift(...failed);
        st.pendingDigests.unshift(...digests);
        this.#trackerFailures++;
        if (!this.#trackerDown) {
          this.#deps.log.warn("tracker unavailable; using known parents and the source", {
            task: this.id,
            error: errorMessage(err),
          });
        }
        this.#trackerDown = true;
        if (sourceError === this.#sourceError) this.#sourceError = null;
        this.#announceAfter = Math.min(5000, 500 * 2 ** Math.min(this.#trackerFailures, 4));
        if (finalAnnounce && this.#trackerFailures >= 3) return;
      }
      if (finalAnnounce && this.#trackerFailures === 0) return;
      this.#loopWake.notify();
    }
  }

  #applyAnnounce(meta: TaskMeta): void {
    if (meta.length === null) return;
    this.#trackerMeta = meta;
    const stored = this.stored;
    if (
      stored && (meta.length !== stored.length || meta.pieceSize !== stored.pieceSize ||
        (this.#sourceInfo && changed(this.#sourceInfo, {
          length: meta.length,
          etag: meta.etag,
          lastModified: meta.lastModified,
        })))
    ) {
      this.#fatal ??= new SourceError(
        `source changed: the tracker knows another version of ${this.request.url} ` +
          "(the file was replaced; fetch the new one under another --tag)",
      );
      this.#loopWake.notify();
    }
  }
}

/** How a failed piece transfer is reported to the tracker. */
export function failureReason(err: unknown): FailureReason {
  if (err instanceof PeerError) return err.reason;
  if (err instanceof DigestMismatchError) return "digest";
  if (err instanceof IdleTimeoutError) return "timeout";
  return "http";
}
