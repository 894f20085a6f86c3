/**
 * @module source — fetching byte ranges from the origin (back-to-source).
 * Credentials in `headers` go to the origin only. Answers are checked: the
 * range must be what was asked for and the file must not have changed.
 */
import { SourceError } from "../errors.ts";
import { importName } from "../wire_ops.ts";

/** What the origin said about the file. */
export interface SourceInfo {
  length: number;
  etag: string | null;
  lastModified: string | null;
}

/** An open response from the origin, positioned at `start`. */
export interface SourceResponse extends SourceInfo {
  start: number;
  body: ReadableStream<Uint8Array>;
}

/** Options of {@link openSource}. */
export interface OpenSourceOptions {
  headers: readonly [string, string][];
  /** First byte wanted. */
  start: number;
  /** One past the last byte wanted; omitted means to the end. */
  end?: number;
  /** What earlier answers said; a different file is an error. */
  expect?: SourceInfo | null;
  signal?: AbortSignal;
}

/** Parses `Content-Range: bytes a-b/total`. */
export function parseContentRange(
  value: string | null,
): { start: number; total: number | null } | null {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === "*" ? null : Number(m[3]) };
}

/**
 * GETs `url` from byte `start` (HTTP Range). A 200 answer (no range support)
 * is accepted and skipped forward to `start`.
 */
export async function openSource(url: string, options: OpenSourceOptions): Promise<SourceResponse> {
  const imported = importName(url);
  if (imported !== null) {
    // An import has no origin: its pieces exist only on agents (see wire_ops.ts).
    throw new SourceError(
      `no host holds "${imported}": it was never imported, or every holder is gone`,
    );
  }
  const headers = new Headers(options.headers as [string, string][]);
  // Compressed transfer would change the bytes and lengths we verify.
  headers.set("accept-encoding", "identity");
  const { start, end } = options;
  headers.set("range", end === undefined ? `bytes=${start}-` : `bytes=${start}-${end - 1}`);
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: options.signal, redirect: "follow" });
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new SourceError(`cannot reach ${hostOf(url)}: ${reachError(err)}`, undefined, {
      cause: err,
    });
  }
  if (res.status === 416 && start === 0) {
    // An empty file cannot satisfy bytes=0-; ask again without a range.
    await res.body?.cancel();
    headers.delete("range");
    res = await fetch(url, { headers, signal: options.signal });
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw new SourceError(
      `source answered ${res.status} ${res.statusText || ""}`.trim() + ` for ${url}`,
      res.status,
    );
  }
  let length: number;
  let bodyStart = 0;
  if (res.status === 206) {
    const range = parseContentRange(res.headers.get("content-range"));
    if (!range || range.total === null || range.start !== start) {
      await res.body?.cancel();
      throw new SourceError(`source sent a bad Content-Range for ${url}`);
    }
    length = range.total;
    bodyStart = range.start;
  } else {
    const declared = res.headers.get("content-length");
    if (declared === null || !/^\d+$/.test(declared)) {
      await res.body?.cancel();
      throw new SourceError(`source did not report the length of ${url}`);
    }
    length = Number(declared);
  }
  const info: SourceInfo = {
    length,
    etag: res.headers.get("etag"),
    lastModified: res.headers.get("last-modified"),
  };
  const expect = options.expect;
  if (expect && changed(expect, info)) {
    await res.body?.cancel();
    throw new SourceError(
      `source changed while downloading ${url} (length, ETag or Last-Modified differ)`,
    );
  }
  let body: ReadableStream<Uint8Array> = res.body ?? ReadableStream.from([]);
  if (bodyStart < start) body = body.pipeThrough(skipBytes(start - bodyStart));
  return { ...info, start, body };
}

/** True when two answers describe different versions of the file. */
export function changed(a: SourceInfo, b: SourceInfo): boolean {
  if (a.length !== b.length) return true;
  if (a.etag && b.etag && a.etag !== b.etag) return true;
  return Boolean(a.lastModified && b.lastModified && a.lastModified !== b.lastModified);
}

function skipBytes(count: number): TransformStream<Uint8Array, Uint8Array> {
  let left = count;
  return new TransformStream({
    transform(chunk, controller) {
      if (left >= chunk.byteLength) {
        left -= chunk.byteLength;
        return;
      }
      controller.enqueue(left > 0 ? chunk.subarray(left) : chunk);
      left = 0;
    },
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A short reason for a failed connection, e.g. "connection refused". */
export function reachError(err: unknown): string {
  const text = err instanceof Error ? `${err.message} ${err.cause ?? ""}` : String(err);
  if (/refused/i.test(text)) return "connection refused";
  if (/dns|name|resolve|lookup/i.test(text)) return "host not found";
  if (/reset/i.test(text)) return "connection reset";
  if (/timed? ?out/i.test(text)) return "timed out";
  return text.split("\n")[0].trim();
}
