/**
 * @module rows — the db rows a flush writes for in-memory records.
 */
import { Buffer } from "node:buffer";
import type { HostRow, PeerRow, TaskRow } from "./changes.ts";
import type { HostRec, PeerRec, TaskRec } from "./model.ts";

/** The hosts row of a host. */
export function hostRow(h: HostRec): HostRow {
  return {
    id: h.id,
    addr: h.addr,
    idc: h.idc,
    seed: h.seed,
    uploads: h.uploads,
    failures: h.failures,
    isolatedUntil: h.isolatedUntil,
    lastSeen: h.lastSeen,
    createdAt: h.createdAt,
  };
}

/** The tasks row of a task. */
export function taskRow(t: TaskRec): TaskRow {
  return {
    id: t.id,
    url: t.url,
    tag: t.tag,
    length: t.length,
    pieceSize: t.pieceSize,
    pieceCount: t.pieceCount,
    etag: t.etag,
    lastModified: t.lastModified,
    digestSeq: t.digestSeq,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** The peers row of a peer (the bitmap is copied: the record keeps changing). */
export function peerRow(taskId: string, p: PeerRec): PeerRow {
  return {
    taskId,
    hostId: p.hostId,
    bitmap: p.bitmap ? Buffer.from(p.bitmap.bytes) : null,
    done: p.done,
    source: p.source,
    updatedAt: p.updatedAt,
  };
}
