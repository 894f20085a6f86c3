/**
 * @module client — GETs JSON from a tracker or agent for the operator
 * commands, with the shared token, and turns every failure into one plain
 * line: who could not be reached, or what the server said.
 */
import { DflyError } from "../errors.ts";
import { describeFetchError } from "../get/fetch_error.ts";
import { TOKEN_HEADER } from "../wire.ts";

/** Options of {@link getJson}. */
export interface GetJsonOptions {
  token: string | null;
  /** What the server is, for messages: "tracker" or "agent". */
  what: string;
  timeoutMs?: number;
}

/** GETs `base + path` and parses the JSON answer; throws DflyError with one line. */
export async function getJson<T>(base: string, path: string, options: GetJsonOptions): Promise<T> {
  const url = new URL(path, base);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: options.token ? { [TOKEN_HEADER]: options.token } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const { reason } = describeFetchError(err);
    throw new DflyError(
      `Cannot reach the ${options.what} at ${base}: ${reason}`,
      "unreachable",
      503,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DflyError(
      `The ${options.what} at ${base} answered ${res.status} without JSON`,
      "bad_answer",
      502,
    );
  }
  if (!res.ok) {
    const message = (body as { error?: unknown })?.error;
    throw new DflyError(
      `The ${options.what} at ${base} answered ${res.status}: ${
        typeof message === "string" ? message : "no reason given"
      }`,
      "bad_answer",
      res.status,
    );
  }
  return body as T;
}

/** Checks a `--tracker`/`--agent` value is an http(s) URL; returns it without a trailing slash. */
export function baseUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`--${flag}: "${text}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`--${flag}: "${text}" must be an http or https URL`);
  }
  return text.replace(/\/+$/, "");
}
