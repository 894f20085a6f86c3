/**
 * @module agent_client — the calls `dfly get` makes to its local agent, with
 * every failure turned into a one-line {@link DflyError}. A connection that
 * could not be made at all is {@link AGENT_UNREACHABLE}, which the caller
 * answers by downloading directly from the source.
 */
import { DflyError } from "../errors.ts";
import { AGENT_ROUTES, type DownloadRequest, type ErrorBody, TOKEN_HEADER } from "../wire.ts";
import { parseTaskCounters } from "./download_event.ts";
import { describeFetchError } from "./fetch_error.ts";

/** Error code: nothing answers at the agent address. */
export const AGENT_UNREACHABLE = "agent_unreachable";

/** Error codes whose agent messages already read well on their own. */
const SELF_EXPLAINING = new Set([
  "source_error",
  "digest_mismatch",
  "bad_length",
  "output_not_writable",
  "no_space",
]);

/** Options of {@link AgentClient}. */
export interface AgentClientOptions {
  /** Base URL, no trailing slash. */
  agent: string;
  token: string | null;
  signal?: AbortSignal;
  /** fetch to use (one that trusts `--ca` for an https agent); the global one by default. */
  fetch?: typeof fetch;
}

/** Talks to one agent's download API. */
export class AgentClient {
  readonly agent: string;
  readonly #token: string | null;
  readonly #signal?: AbortSignal;
  readonly #fetchImpl: typeof fetch;

  constructor(options: AgentClientOptions) {
    this.agent = options.agent;
    this.#token = options.token;
    this.#signal = options.signal;
    this.#fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** POSTs a download; resolves to a 2xx response whose body is still unread. */
  download(request: DownloadRequest): Promise<Response> {
    return this.#fetch(AGENT_ROUTES.downloads, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
  }

  /** The agent's peer/source byte counters for a task, or null when it cannot say. */
  async taskCounters(taskId: string): Promise<{ fromPeers: number; fromSource: number } | null> {
    try {
      const res = await this.#fetch(AGENT_ROUTES.task.replace(":taskId", taskId), {});
      return parseTaskCounters(await res.json());
    } catch {
      if (this.#signal?.aborted) throw this.#signal.reason;
      return null;
    }
  }

  /** Turns an agent-reported failure into the error `dfly get` prints. */
  failure(code: string, message: string, status = 502): DflyError {
    let text = SELF_EXPLAINING.has(code)
      ? message
      : `the agent at ${this.agent} failed: ${message}`;
    // Say "digest mismatch" however the agent words it, as direct downloads do.
    if (code === "digest_mismatch" && !/^digest mismatch/i.test(text)) {
      text = `digest mismatch: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
    }
    return new DflyError(text, code, status);
  }

  /** The error for a response stream that broke or could not be read. */
  lost(err: unknown): DflyError {
    if (this.#signal?.aborted) throw this.#signal.reason;
    return new DflyError(
      `lost the connection to the agent at ${this.agent} (${describeFetchError(err).reason})`,
      "agent_error",
      502,
    );
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#token) headers.set(TOKEN_HEADER, this.#token);
    let res: Response;
    try {
      res = await this.#fetchImpl(`${this.agent}${path}`, {
        ...init,
        headers,
        signal: this.#signal,
      });
    } catch (err) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      const failure = describeFetchError(err);
      if (failure.unreachable) {
        throw new DflyError(
          `no agent at ${this.agent} (${failure.reason})`,
          AGENT_UNREACHABLE,
          503,
        );
      }
      throw this.lost(err);
    }
    if (res.ok) return res;
    const body = await errorBody(res);
    if (res.status === 401) {
      throw new DflyError(
        `the agent at ${this.agent} refused the token (pass the right one with --token or DFLY_TOKEN)`,
        "unauthorized",
        401,
      );
    }
    if (body) throw this.failure(body.code, body.error, res.status);
    throw new DflyError(
      `the agent at ${this.agent} answered ${res.status} ${res.statusText}`.trim(),
      "agent_error",
      res.status,
    );
  }
}

async function errorBody(res: Response): Promise<ErrorBody | null> {
  try {
    const body = await res.json();
    if (typeof body?.error === "string" && typeof body?.code === "string") {
      return { error: body.error.replaceAll("\n", " "), code: body.code };
    }
  } catch {
    // not JSON: fall back to the status line
  }
  return null;
}
