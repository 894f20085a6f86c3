/**
 * @module announce — what one announce does to the state and what it
 * answers: upsert the host and task, take in a source-goer's source report
 * (length, digests), the peer's pieces and its failure reports, decide
 * whether it goes to the source, and hand out digests and parents.
 */
import { Bitset } from "../util/bitset.ts";
import type { Logger } from "../util/log.ts";
import type { AnnounceRequest, AnnounceResponse, SourceReport, TaskMeta } from "../wire.ts";
import { isIsolated } from "./host_health.ts";
import { digestsAfter, type HostRec, type PeerRec, type TaskRec } from "./model.ts";
import { leaveOutListed } from "./listing.ts";
import { selectParents } from "./parents.ts";
import type { TriggerSeed } from "./seed_trigger.ts";
import { chooseSource } from "./source_choice.ts";
import type { TrackerState } from "./state.ts";

/** Announce again this soon while waiting for the task's length. */
export const WAITING_ANNOUNCE_MS = 100;
/**
 * Announce again this soon while downloading with nothing to report (an agent
 * with new pieces announces within 250 ms anyway); 2 s halves the idle
 * announces and slowed no swarm benchmark (docs/SWARM.md, change 12).
 */
export const DOWNLOADING_ANNOUNCE_MS = 2000;
/** Announce again this soon once done. */
export const DONE_ANNOUNCE_MS = 5000;

/** What {@link handleAnnounce} needs besides the request. */
export interface AnnounceDeps {
  state: TrackerState;
  now: number;
  random: () => number;
  triggerSeed: TriggerSeed;
  log: Logger;
}

/** Applies one announce to the state and builds the answer. */
export function handleAnnounce(req: AnnounceRequest, deps: AnnounceDeps): AnnounceResponse {
  const { state, now, log } = deps;
  const { host } = state.touchHost(req.host, now);
  const task = state.ensureTask(req.task.id, req.task.url, req.task.tag, now);
  const { peer, created } = state.ensurePeer(task, host, now);
  peer.lastAnnounce = now;
  if (task.trigger?.hostId === host.id) task.trigger.announced = true;

  if (req.sourceError !== null) {
    if (!peer.sourceFailed) {
      log.warn("source failed", { task: task.id, host: host.id, error: req.sourceError });
    }
    peer.sourceFailed = true;
    state.setSource(task, peer, false, now);
  }
  if (req.source !== null) {
    if (!peer.source && !host.seed && activeSourceGoers(state, task, peer, now).count === 0) {
      // It went to the source on its own (tracker was down, or it waited too
      // long); with nobody else assigned, its report is the best there is.
      log.info("adopting source report of an unassigned peer", { task: task.id, host: host.id });
      state.setSource(task, peer, true, now);
    }
    if (peer.source || host.seed) applySourceReport(state, task, host, req.source, now, log);
    else log.debug("source report ignored", { task: task.id, host: host.id });
  }
  applyHave(state, task, peer, req, now);
  recordFailures(state, task, host, req, now, log);

  const backToSource = decideSource(deps, task, peer, host, req.task.private);
  state.raiseDigestSeq(task, req.digestCursor);
  const digests = digestsAfter(task, req.digestCursor);
  const picked = selectParents(state, task, { peer, host }, now, deps.random);
  const token = state.nextListingToken();
  const { parents, meta, listing } = leaveOutListed({
    previous: peer.listing,
    echoed: req.listing,
    fresh: req.full,
    picked,
    meta: taskMeta(task),
    now,
    token,
  });
  peer.listing = listing;
  return {
    task: meta,
    digests: digests.map((d) => [d.idx, d.digest]),
    digestCursor: task.digestSeq,
    backToSource,
    parents,
    announceAfterMs: peer.done
      ? DONE_ANNOUNCE_MS
      : task.length === null && !backToSource
      ? WAITING_ANNOUNCE_MS
      : DOWNLOADING_ANNOUNCE_MS,
    resync: created && !req.full,
    listing: token,
  };
}

/** The task's metadata as the wire carries it. */
export function taskMeta(task: TaskRec): TaskMeta {
  return {
    id: task.id,
    length: task.length,
    pieceSize: task.pieceSize,
    pieceCount: task.pieceCount,
    etag: task.etag,
    lastModified: task.lastModified,
  };
}

function applySourceReport(
  state: TrackerState,
  task: TaskRec,
  host: HostRec,
  source: SourceReport,
  now: number,
  log: Logger,
): void {
  if (task.length === null) {
    state.setLength(task, source, now);
  } else if (
    source.length !== task.length ||
    (source.etag !== null && task.etag !== null && source.etag !== task.etag)
  ) {
    log.warn("source report of another version ignored", {
      task: task.id,
      host: host.id,
      length: source.length,
      known: task.length,
    });
    return;
  }
  for (const [idx, digest] of source.digests) {
    const outcome = state.addDigest(task, idx, digest, now);
    if (outcome === "conflict") {
      log.warn("conflicting digest ignored", { task: task.id, host: host.id, piece: idx });
    }
  }
}

function applyHave(
  state: TrackerState,
  task: TaskRec,
  peer: PeerRec,
  req: AnnounceRequest,
  now: number,
): void {
  const count = task.pieceCount;
  if (count === null) return;
  let bitmap = peer.bitmap ?? new Bitset(count);
  let changed = bitmap !== peer.bitmap;
  if (req.full) {
    bitmap = new Bitset(count);
    changed = true;
  }
  const pieces = req.done ? Array.from({ length: count }, (_, i) => i) : req.have;
  for (const idx of pieces) {
    if (idx < count && task.digests[idx] !== undefined && bitmap.add(idx)) changed = true;
  }
  peer.bitmap = bitmap;
  if (changed) state.peerChanged(task, peer, now);
  // Done only when every piece is held and vouched for by a digest.
  state.setDone(task, peer, bitmap.complete, now);
}

function recordFailures(
  state: TrackerState,
  task: TaskRec,
  reporter: HostRec,
  req: AnnounceRequest,
  now: number,
  log: Logger,
): void {
  // One announce counts at most once against each host, so a reporter that
  // lost several pieces to one slow parent at once does not isolate it alone.
  const counted = new Set<string>();
  for (const f of req.failed) {
    const count = f.hostId !== reporter.id && !counted.has(f.hostId);
    counted.add(f.hostId);
    const isolated = state.recordFailure({
      taskId: task.id,
      reporterId: reporter.id,
      hostId: f.hostId,
      piece: f.piece,
      reason: f.reason,
      at: now,
    }, count);
    if (isolated) log.warn("host isolated", { host: f.hostId, task: task.id, reason: f.reason });
  }
}

function decideSource(
  deps: AnnounceDeps,
  task: TaskRec,
  peer: PeerRec,
  host: HostRec,
  isPrivate: boolean,
): boolean {
  const { state, now, log } = deps;
  const active = activeSourceGoers(state, task, peer, now);
  const choice = chooseSource({
    now,
    seedGraceMs: state.options.seedGraceMs,
    maxSourcePeers: state.options.sourcePeers,
    requesterIsSeed: host.seed,
    requesterIsSourceGoer: peer.source,
    requesterSourceFailed: peer.sourceFailed,
    requesterDone: peer.done,
    private: isPrivate,
    anyDone: anyUsableDone(state, task, peer, now),
    activeSourceGoers: active.count,
    activeSeed: active.seed,
    trigger: task.trigger,
    seeds: () => liveSeeds(state, task, now),
  });
  if (choice.seedFailed !== undefined) {
    task.failedSeeds.add(choice.seedFailed);
    log.warn("seed did not show up", { task: task.id, seed: choice.seedFailed });
  }
  if (choice.triggerSeed !== undefined) {
    const seed = state.hosts.get(choice.triggerSeed)!;
    task.trigger = { hostId: seed.id, at: now, announced: false };
    log.info("triggering seed", { task: task.id, seed: seed.id, addr: seed.addr });
    deps.triggerSeed(seed, { taskId: task.id, url: task.url, tag: task.tag });
  }
  if (choice.backToSource && !peer.source) {
    log.info("back to source", { task: task.id, host: host.id });
  }
  state.setSource(task, peer, choice.backToSource, now);
  return choice.backToSource;
}

/** Source-goers of `task` other than `self` that are alive and announcing. */
function activeSourceGoers(
  state: TrackerState,
  task: TaskRec,
  self: PeerRec,
  now: number,
): { count: number; seed: boolean } {
  let count = 0;
  let seed = false;
  for (const id of task.sourceGoers) {
    if (id === self.hostId) continue;
    const other = task.peers.get(id);
    const otherHost = state.hosts.get(id);
    if (!other || !state.isUsable(otherHost, now)) continue;
    if (now - other.lastAnnounce > state.options.peerTtlMs) continue;
    count++;
    if (otherHost.seed) seed = true;
  }
  return { count, seed };
}

function anyUsableDone(state: TrackerState, task: TaskRec, self: PeerRec, now: number): boolean {
  if (task.doneCount === 0) return false;
  for (const peer of task.peerList) {
    if (peer.done && peer !== self && state.isUsable(state.hosts.get(peer.hostId), now)) {
      return true;
    }
  }
  return false;
}

/** Live, usable seeds not yet on the task and not failed for it, least busy first. */
function liveSeeds(state: TrackerState, task: TaskRec, now: number): string[] {
  const seeds: HostRec[] = [];
  for (const id of state.seeds) {
    const host = state.hosts.get(id);
    if (!host || task.peers.has(id) || task.failedSeeds.has(id)) continue;
    if (!state.isAlive(host, now) || isIsolated(host.isolatedUntil, now)) continue;
    seeds.push(host);
  }
  return seeds.sort((a, b) => a.uploads - b.uploads).map((h) => h.id);
}
