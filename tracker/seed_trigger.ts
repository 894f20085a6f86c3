/**
 * @module seed_trigger — asks a seed agent to fetch a task from the source:
 * a fire-and-forget POST of a {@link SeedRequest} with a short timeout.
 */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import { PLAIN_TRANSPORT, type Transport } from "../util/tls.ts";
import { AGENT_ROUTES, type SeedRequest, TOKEN_HEADER } from "../wire.ts";

/** Sends a seed after a task; never throws, never waits. */
export type TriggerSeed = (seed: { id: string; addr: string }, request: SeedRequest) => void;

/** Options of {@link createSeedTrigger}. */
export interface SeedTriggerOptions {
  token: string | null;
  log: Logger;
  /** Give up on the POST after this long (default 2 s). */
  timeoutMs?: number;
  /** Scheme and fetch for seeds (TLS swarms); plain HTTP by default. */
  transport?: Transport;
}

/** A {@link TriggerSeed} that POSTs to `http(s)://{addr}/api/v1/seed`. */
export function createSeedTrigger(options: SeedTriggerOptions): TriggerSeed {
  const { token, log, timeoutMs = 2000, transport = PLAIN_TRANSPORT } = options;
  return function triggerSeed(seed, request) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers[TOKEN_HEADER] = token;
    transport.fetch(`${transport.scheme}://${seed.addr}${AGENT_ROUTES.seed}`, {
      method: "POST",
      headers,
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(timeoutMs),
    }).then(async (res) => {
      await res.body?.cancel();
      if (!res.ok) {
        log.warn("seed refused", { seed: seed.id, task: request.taskId, status: res.status });
      } else {
        log.debug("seed triggered", { seed: seed.id, task: request.taskId });
      }
    }).catch((err) => {
      log.warn("seed unreachable", {
        seed: seed.id,
        addr: seed.addr,
        task: request.taskId,
        error: errorMessage(err),
      });
    });
  };
}
