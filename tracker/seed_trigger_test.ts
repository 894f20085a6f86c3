import assert from "node:assert/strict";
import type { Logger } from "../util/log.ts";
import { AGENT_ROUTES, parseSeedRequest, TOKEN_HEADER } from "../wire.ts";
import { createSeedTrigger } from "./seed_trigger.ts";

function captureLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (event: string) => lines.push(`${level} ${event}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

Deno.test("createSeedTrigger() POSTs the seed request with the token", async () => {
  const { promise, resolve } = Promise.withResolvers<Request>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    resolve(req.clone());
    return new Response(null, { status: 202 });
  });
  try {
    const log = captureLog();
    const trigger = createSeedTrigger({ token: "tok", log });
    const request = { taskId: "ab".repeat(32), url: "http://origin.test/f", tag: "t" };
    trigger({ id: "0".repeat(32), addr: `127.0.0.1:${server.addr.port}` }, request);
    const got = await promise;
    assert.equal(new URL(got.url).pathname, AGENT_ROUTES.seed);
    assert.equal(got.method, "POST");
    assert.equal(got.headers.get(TOKEN_HEADER), "tok");
    assert.deepEqual(parseSeedRequest(await got.json()), request);
  } finally {
    await server.shutdown();
  }
});

Deno.test("createSeedTrigger() logs an unreachable seed instead of throwing", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const log = captureLog();
  const trigger = createSeedTrigger({ token: null, log, timeoutMs: 1000 });
  trigger({ id: "0".repeat(32), addr: `127.0.0.1:${port}` }, {
    taskId: "ab".repeat(32),
    url: "http://origin.test/f",
    tag: "",
  });
  for (let i = 0; i < 100 && log.lines.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual(log.lines, ["warn seed unreachable"]);
});
