/**
 * @module state — {@link TrackerState}, the one owner of the tracker's
 * runtime model (hosts, tasks, peers, digests). Everything lives in memory;
 * each change is noted in a {@link ChangeSet} so `takeChanges()` can hand the
 * flush timer one batch of rows to write behind. Time is always passed in.
 */
import { Bitset } from "../util/bitset.ts";
import { pieceCount, pieceSize } from "../util/piece_size.ts";
import type { HostInfo } from "../wire.ts";
import { type Changes, ChangeSet, type FailureRow, isEmpty } from "./changes.ts";
import { isIsolated, noteFailure } from "./host_health.ts";
import { type HostRec, newTask, type PeerRec, type TaskRec } from "./model.ts";
import { hostRow, peerRow, taskRow } from "./rows.ts";

/** Tunables of {@link TrackerState}. */
export interface TrackerStateOptions {
  /** A host not heard from for this long is expired (`--peer-ttl`). */
  peerTtlMs: number;
  /** Most concurrent source-goers per task without a seed (`--source-peers`). */
  sourcePeers: number;
  /** How long a triggered seed has to show up (`--seed-grace`). */
  seedGraceMs: number;
}

/** `lastSeen` is written at most this often unless something else changed. */
const LAST_SEEN_WRITE_MS = 30_000;

/** The tracker's runtime model. Not thread-safe; only request handlers and timers touch it. */
export class TrackerState {
  readonly options: TrackerStateOptions;
  readonly hosts: Map<string, HostRec> = new Map();
  readonly tasks: Map<string, TaskRec> = new Map();
  /** Ids of seed hosts. */
  readonly seeds: Set<string> = new Set();
  readonly changes: ChangeSet = new ChangeSet();
  /** Last answer token handed out; starts at random so another tracker's tokens do not match. */
  #listingToken = Math.floor(Math.random() * 2 ** 40) + 1;

  constructor(options: TrackerStateOptions) {
    this.options = options;
  }

  /** A new announce-answer token (see listing.ts). */
  nextListingToken(): number {
    return ++this.#listingToken;
  }

  /** True when the host was heard from within the peer TTL. */
  isAlive(host: HostRec, now: number): boolean {
    return now - host.lastSeen <= this.options.peerTtlMs;
  }

  /** True when the host may be handed out as a parent or counted as a source-goer. */
  isUsable(host: HostRec | undefined, now: number): host is HostRec {
    return host !== undefined && this.isAlive(host, now) && !isIsolated(host.isolatedUntil, now);
  }

  /** Creates or refreshes a host from what it says about itself. */
  touchHost(info: HostInfo, now: number): { host: HostRec; known: boolean } {
    let host = this.hosts.get(info.id);
    const known = host !== undefined;
    if (!host) {
      host = {
        ...info,
        lastSeen: now,
        createdAt: now,
        failures: 0,
        recentFailures: [],
        isolatedUntil: null,
        tasks: new Set(),
        savedSeen: now,
      };
      this.hosts.set(info.id, host);
      this.changes.host(info.id);
    } else {
      const changed = host.addr !== info.addr || host.idc !== info.idc || host.seed !== info.seed;
      host.addr = info.addr;
      host.idc = info.idc;
      host.seed = info.seed;
      host.uploads = info.uploads;
      host.lastSeen = now;
      if (changed || now - host.savedSeen >= LAST_SEEN_WRITE_MS) this.changes.host(info.id);
    }
    if (host.seed) this.seeds.add(host.id);
    else this.seeds.delete(host.id);
    return { host, known };
  }

  /** The task, created when new. */
  ensureTask(id: string, url: string, tag: string, now: number): TaskRec {
    let task = this.tasks.get(id);
    if (!task) {
      task = newTask({ id, url, tag, createdAt: now, updatedAt: now });
      this.tasks.set(id, task);
      this.changes.task(id);
    }
    return task;
  }

  /** The host's peer entry in the task, created when new. */
  ensurePeer(task: TaskRec, host: HostRec, now: number): { peer: PeerRec; created: boolean } {
    const found = task.peers.get(host.id);
    if (found) return { peer: found, created: false };
    const peer: PeerRec = {
      hostId: host.id,
      bitmap: task.pieceCount === null ? null : new Bitset(task.pieceCount),
      encoded: null,
      done: false,
      source: false,
      sourceFailed: false,
      failures: 0,
      updatedAt: now,
      lastAnnounce: now,
      slot: task.peerList.length,
      listing: null,
    };
    task.peers.set(host.id, peer);
    task.peerList.push(peer);
    host.tasks.add(task.id);
    this.changes.peer(task.id, host.id);
    return { peer, created: true };
  }

  /** Removes a host's peer entry from a task. */
  removePeer(task: TaskRec, hostId: string): void {
    const peer = task.peers.get(hostId);
    if (!peer) return;
    task.peers.delete(hostId);
    const last = task.peerList.pop()!;
    if (last !== peer) {
      task.peerList[peer.slot] = last;
      last.slot = peer.slot;
    }
    task.sourceGoers.delete(hostId);
    if (peer.done) task.doneCount--;
    this.hosts.get(hostId)?.tasks.delete(task.id);
    this.changes.peerGone(task.id, hostId);
  }

  /** Notes that a peer's pieces, flags or counters changed. */
  peerChanged(task: TaskRec, peer: PeerRec, now: number): void {
    peer.encoded = null;
    peer.updatedAt = now;
    this.changes.peer(task.id, peer.hostId);
  }

  /** Sets or clears a peer's `done`, keeping the task's count. */
  setDone(task: TaskRec, peer: PeerRec, done: boolean, now: number): void {
    if (peer.done === done) return;
    peer.done = done;
    task.doneCount += done ? 1 : -1;
    this.peerChanged(task, peer, now);
  }

  /** Sets or clears a peer's `source`, keeping the task's set. */
  setSource(task: TaskRec, peer: PeerRec, source: boolean, now: number): void {
    if (peer.source === source) return;
    peer.source = source;
    if (source) task.sourceGoers.add(peer.hostId);
    else task.sourceGoers.delete(peer.hostId);
    this.peerChanged(task, peer, now);
  }

  /** Fixes a task's length and piece layout (once). */
  setLength(
    task: TaskRec,
    source: { length: number; etag: string | null; lastModified: string | null },
    now: number,
  ): void {
    task.length = source.length;
    task.pieceSize = pieceSize(source.length);
    task.pieceCount = pieceCount(source.length, task.pieceSize);
    task.etag = source.etag;
    task.lastModified = source.lastModified;
    task.digests = new Array(task.pieceCount);
    for (const peer of task.peerList) {
      peer.bitmap = new Bitset(task.pieceCount);
      peer.encoded = null;
    }
    task.updatedAt = now;
    this.changes.task(task.id);
  }

  /** Stores a piece digest unless one is known; says what happened. */
  addDigest(
    task: TaskRec,
    idx: number,
    digest: string,
    now: number,
  ): "added" | "same" | "conflict" | "out_of_range" {
    if (task.pieceCount === null || idx >= task.pieceCount) return "out_of_range";
    const known = task.digests[idx];
    if (known !== undefined) return known === digest ? "same" : "conflict";
    task.digests[idx] = digest;
    const seq = ++task.digestSeq;
    task.digestLog.push({ idx, digest, seq });
    this.changes.pieces.push({ taskId: task.id, idx, digest, seq });
    task.updatedAt = now;
    this.changes.task(task.id);
    return "added";
  }

  /** Makes sure digest sequence numbers stay above a cursor an agent already holds. */
  raiseDigestSeq(task: TaskRec, cursor: number): void {
    if (cursor <= task.digestSeq) return;
    task.digestSeq = cursor;
    this.changes.task(task.id);
  }

  /**
   * Records a failure reported against `row.hostId`; when `count` it also
   * counts towards isolating that host. Returns true when the host became isolated.
   */
  recordFailure(row: FailureRow, count: boolean): boolean {
    this.changes.failures.push(row);
    const peer = this.tasks.get(row.taskId)?.peers.get(row.hostId);
    if (peer) peer.failures++;
    const host = this.hosts.get(row.hostId);
    if (!host) return false;
    host.failures++;
    this.changes.host(host.id);
    if (!count) return false;
    const wasIsolated = isIsolated(host.isolatedUntil, row.at);
    const noted = noteFailure(host.recentFailures, row.at);
    host.recentFailures = noted.times;
    if (noted.isolatedUntil !== null) host.isolatedUntil = noted.isolatedUntil;
    return !wasIsolated && noted.isolatedUntil !== null;
  }

  /** Removes hosts not heard from within the TTL from every task; returns their ids. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const host of this.hosts.values()) {
      if (this.isAlive(host, now)) continue;
      for (const taskId of [...host.tasks]) {
        const task = this.tasks.get(taskId);
        if (task) this.removePeer(task, host.id);
      }
      this.hosts.delete(host.id);
      this.seeds.delete(host.id);
      this.changes.hostGone(host.id);
      gone.push(host.id);
    }
    return gone;
  }

  /** The rows to write since the last call, or null when nothing changed. */
  takeChanges(): Changes | null {
    const c = this.changes;
    const out: Changes = {
      hosts: [],
      deletedHosts: [...c.deletedHosts],
      tasks: [],
      pieces: c.pieces,
      peers: [],
      deletedPeers: [...c.deletedPeers.values()],
      failures: c.failures,
    };
    for (const id of c.hosts) {
      const host = this.hosts.get(id);
      if (!host) continue;
      host.savedSeen = host.lastSeen;
      out.hosts.push(hostRow(host));
    }
    for (const id of c.tasks) {
      const task = this.tasks.get(id);
      if (task) out.tasks.push(taskRow(task));
    }
    for (const { taskId, hostId } of c.peers.values()) {
      const peer = this.tasks.get(taskId)?.peers.get(hostId);
      if (peer) out.peers.push(peerRow(taskId, peer));
    }
    c.clear();
    return isEmpty(out) ? null : out;
  }

  /** Puts back changes whose write failed, so the next flush retries them. */
  restoreChanges(failed: Changes): void {
    const c = this.changes;
    for (const row of failed.hosts) if (this.hosts.has(row.id)) c.host(row.id);
    for (const id of failed.deletedHosts) if (!this.hosts.has(id)) c.hostGone(id);
    for (const row of failed.tasks) c.task(row.id);
    for (const row of failed.peers) {
      if (this.tasks.get(row.taskId)?.peers.has(row.hostId)) c.peer(row.taskId, row.hostId);
    }
    for (const { taskId, hostId } of failed.deletedPeers) {
      if (!this.tasks.get(taskId)?.peers.has(hostId)) c.peerGone(taskId, hostId);
    }
    c.pieces = [...failed.pieces, ...c.pieces];
    c.failures = [...failed.failures, ...c.failures];
  }
}
