/**
 * @module agent_api — the local-agent calls of `dfly cache`, `dfly import`
 * and `dfly export`: one function that sends a request with the token and
 * turns every failure into a one-line {@link DflyError}.
 */
import { DflyError } from "../errors.ts";
import { TOKEN_HEADER } from "../wire.ts";

/** Agent address used when `--agent` is not given. */
export const DEFAULT_AGENT = "http://127.0.0.1:65002";

/** Where and how to reach the local agent. */
export interface AgentTarget {
  agent: string;
  token: string | null;
}

/** Sends `init` to `path` on the agent and parses the JSON answer. */
export async function callAgent(
  target: AgentTarget,
  path: string,
  init: RequestInit = {},
): Promise<unknown> {
  const headers = new Headers(init.headers);
  if (target.token) headers.set(TOKEN_HEADER, target.token);
  let res: Response;
  try {
    res = await fetch(target.agent.replace(/\/+$/, "") + path, { ...init, headers });
  } catch (err) {
    const cause = (err as Error).message.split("\n")[0];
    throw new DflyError(`no agent answers at ${target.agent} (${cause})`, "agent_unreachable", 503);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; reported below
  }
  if (!res.ok) {
    const detail = (body as { error?: string } | null)?.error ?? text.slice(0, 200);
    if (res.status === 401) {
      throw new DflyError(
        `the agent refused the token (pass --token or DFLY_TOKEN)`,
        "unauthorized",
        401,
      );
    }
    throw new DflyError(`agent: ${detail}`, "agent_error", res.status);
  }
  if (body === null) throw new DflyError("the agent sent malformed JSON", "agent_error", 502);
  return body;
}

/** The agent address and token from parsed flags (flags, DFLY_ variables or config). */
export function agentTarget(values: Record<string, unknown>): AgentTarget {
  const agent = typeof values.agent === "string" ? values.agent : DEFAULT_AGENT;
  try {
    const u = new URL(agent);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new DflyError(`--agent: "${agent}" is not an http(s) URL`, "usage", 400);
  }
  return { agent, token: typeof values.token === "string" ? values.token : null };
}
