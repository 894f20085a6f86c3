/**
 * @module peer_fetch — asking a parent agent for one piece. Failures are
 * classified (connect, http, timeout) so the downloader can report them.
 */
import { DflyError } from "../errors.ts";
import {
  type FailureReason,
  parsePeerRef,
  PEER_HEADER,
  type PeerRef,
  PIECE_NOT_HELD_CODE,
  SPREAD_HOLDER_HEADER,
  SPREAD_RETRY_HEADER,
  SPREAD_SUGGEST_HEADER,
  TOKEN_HEADER,
} from "../wire.ts";
import { reachError } from "./source.ts";
import { PLAIN_TRANSPORT, type Transport } from "../util/tls.ts";

/** A parent could not serve a piece. */
export class PeerError extends DflyError {
  readonly reason: FailureReason;
  /** The parent answered that it does not hold the piece (yet). */
  readonly notHeld: boolean;
  constructor(message: string, reason: FailureReason, notHeld = false) {
    super(message, `peer_${reason}`, 502);
    this.name = "PeerError";
    this.reason = reason;
    this.notHeld = notHeld;
  }
}

/**
 * A seed is sending this piece to another peer (or just did) and asks us to
 * take it from peers: not a failure of the seed (see agent/piece_spread.ts).
 */
export class SpreadDeferral extends Error {
  /** Milliseconds until the piece may be asked from this seed again. */
  readonly retryMs: number;
  /** Pieces the seed would serve now. */
  readonly suggest: number[];
  /** The peer the seed last sent the whole piece to, if it said. */
  readonly holder: PeerRef | null;
  constructor(index: number, retryMs: number, suggest: number[], holder: PeerRef | null = null) {
    super(`the seed holds piece ${index} back for ${retryMs} ms`);
    this.name = "SpreadDeferral";
    this.retryMs = retryMs;
    this.suggest = suggest;
    this.holder = holder;
  }
}

/** Parses a `piece_spread` answer's headers; null when `res` is not one. */
export function spreadDeferral(res: Response, index: number): SpreadDeferral | null {
  const retry = res.headers.get(SPREAD_RETRY_HEADER);
  if (res.status !== 429 || retry === null || !/^\d{1,7}$/.test(retry)) return null;
  const suggest = (res.headers.get(SPREAD_SUGGEST_HEADER) ?? "").split(",")
    .filter((t) => /^\d{1,9}$/.test(t)).map(Number).slice(0, 64);
  const holder = parsePeerRef(res.headers.get(SPREAD_HOLDER_HEADER));
  return new SpreadDeferral(index, Number(retry), suggest, holder);
}

/** Options of {@link fetchPiece}. */
export interface FetchPieceOptions {
  /** Expected piece length; a different Content-Length is refused. */
  length: number;
  token: string | null;
  signal: AbortSignal;
  /** How long to wait for the answer's headers. */
  headersTimeoutMs: number;
  /** This agent as a `PEER_HEADER` value, so a seed can name it to later askers. */
  from?: string;
}

/** Fetches piece `index` of `taskId` from the agent at `addr` over plain HTTP; returns its body. */
export function fetchPiece(
  addr: string,
  taskId: string,
  index: number,
  options: FetchPieceOptions,
): Promise<ReadableStream<Uint8Array>> {
  return fetchPieceWith(PLAIN_TRANSPORT, addr, taskId, index, options);
}

/** {@link fetchPiece} over `transport` (HTTPS with `--ca` in TLS swarms). */
export function pieceFetcher(transport: Transport): typeof fetchPiece {
  return function fetchPieceOver(addr, taskId, index, options) {
    return fetchPieceWith(transport, addr, taskId, index, options);
  };
}

async function fetchPieceWith(
  transport: Transport,
  addr: string,
  taskId: string,
  index: number,
  options: FetchPieceOptions,
): Promise<ReadableStream<Uint8Array>> {
  const headers: Record<string, string> = {};
  if (options.token) headers[TOKEN_HEADER] = options.token;
  if (options.from) headers[PEER_HEADER] = options.from;
  // The deadline covers the headers only: the body is watched by the idle
  // timeout, since a 4 MiB piece on a slow or busy link may take longer.
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.headersTimeoutMs);
  let res: Response;
  try {
    res = await transport.fetch(`${transport.scheme}://${addr}/api/v1/pieces/${taskId}/${index}`, {
      headers,
      signal: AbortSignal.any([options.signal, timeout.signal]),
    });
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason;
    if (timeout.signal.aborted) throw new PeerError(`${addr} did not answer in time`, "timeout");
    throw new PeerError(`cannot reach ${addr}: ${reachError(err)}`, "connect");
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 404) {
    const notHeld = await errorCode(res, options.headersTimeoutMs) === PIECE_NOT_HELD_CODE;
    throw new PeerError(`${addr} answered 404 for piece ${index}`, "http", notHeld);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    const deferral = spreadDeferral(res, index);
    if (deferral) throw deferral;
    throw new PeerError(`${addr} answered ${res.status} for piece ${index}`, "http");
  }
  const declared = res.headers.get("content-length");
  if (declared !== null && Number(declared) !== options.length) {
    await res.body?.cancel();
    throw new PeerError(
      `${addr} sent ${declared} bytes for piece ${index}, expected ${options.length}`,
      "http",
    );
  }
  return res.body ?? ReadableStream.from([]);
}

/**
 * The `code` of an agent's one-line JSON error body; null when the body is
 * not one, is over 4 KiB, or takes longer than `ms` (a parent's body is not
 * trusted to end).
 */
async function errorCode(res: Response, ms: number): Promise<string | null> {
  const timer = AbortSignal.timeout(ms);
  const read = (async () => {
    const reader = res.body?.getReader();
    if (!reader) return null;
    const decoder = new TextDecoder();
    let text = "";
    let size = 0;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > 4096) return null;
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    const body = JSON.parse(text + decoder.decode());
    return typeof body?.code === "string" ? body.code : null;
  })();
  const late = new Promise<null>((resolve) => timer.addEventListener("abort", () => resolve(null)));
  return await Promise.race([read.catch(() => null), late]);
}
