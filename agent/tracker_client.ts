/**
 * @module tracker_client — the agent's calls to the tracker, each parsed
 * with the wire contract. Any failure (down, timeout, bad answer) throws
 * {@link TrackerUnavailableError} so callers can fall back to the source.
 */
import { DflyError, errorMessage } from "../errors.ts";
import { reachError } from "./source.ts";
import {
  type AnnounceRequest,
  type AnnounceResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  parseAnnounceResponse,
  parseHeartbeatResponse,
  TOKEN_HEADER,
  TRACKER_ROUTES,
} from "../wire.ts";

/** The tracker could not be used for this call. */
export class TrackerUnavailableError extends DflyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "tracker_unavailable", 503, options);
    this.name = "TrackerUnavailableError";
  }
}

/** What the download engine needs from a tracker (a plain object fakes it in tests). */
export interface TrackerApi {
  announce(req: AnnounceRequest): Promise<AnnounceResponse>;
  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse>;
  leave(hostId: string, taskIds: string[]): Promise<void>;
}

/** Options of {@link TrackerClient}. */
export interface TrackerClientOptions {
  token: string | null;
  timeoutMs?: number;
  /** fetch to use (one that trusts `--ca` in TLS swarms); the global one by default. */
  fetch?: typeof fetch;
}

/** HTTP client of one tracker. */
export class TrackerClient implements TrackerApi {
  readonly url: string;
  #token: string | null;
  #timeoutMs: number;
  #fetch: typeof fetch;

  constructor(url: string, options: TrackerClientOptions) {
    this.url = url.replace(/\/+$/, "");
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async #post(path: string, body: unknown): Promise<unknown> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#token) headers[TOKEN_HEADER] = this.#token;
    let res: Response;
    try {
      res = await this.#fetch(this.url + path, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new TrackerUnavailableError(`tracker ${this.url} unreachable: ${reachError(err)}`, {
        cause: err,
      });
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      let detail = text.slice(0, 200);
      try {
        detail = JSON.parse(text).error ?? detail;
      } catch { /* not JSON */ }
      throw new TrackerUnavailableError(`tracker answered ${res.status}: ${detail}`);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new TrackerUnavailableError("tracker sent malformed JSON", { cause: err });
    }
  }

  async announce(req: AnnounceRequest): Promise<AnnounceResponse> {
    const json = await this.#post(TRACKER_ROUTES.announce, req);
    try {
      return parseAnnounceResponse(json);
    } catch (err) {
      throw new TrackerUnavailableError(`tracker answer: ${errorMessage(err)}`, { cause: err });
    }
  }

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const json = await this.#post(TRACKER_ROUTES.heartbeat, req);
    try {
      return parseHeartbeatResponse(json);
    } catch (err) {
      throw new TrackerUnavailableError(`tracker answer: ${errorMessage(err)}`, { cause: err });
    }
  }

  async leave(hostId: string, taskIds: string[]): Promise<void> {
    await this.#post(TRACKER_ROUTES.leave, { hostId, taskIds });
  }
}
