/**
 * End-to-end: malformed and unwelcome requests to an agent's proxy get a
 * clear one-line answer with a proper status; the agent keeps serving.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { proxyUrlOf } from "./_registry.ts";
import { startAgent } from "./_swarm.ts";

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Sends `text` on a fresh connection; resolves with the status line and the body's first line. */
async function raw(port: number, text: string): Promise<{ status: string; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  let out = "";
  const buf = new Uint8Array(8192);
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      out += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch {
    // closed by the timer
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
  const [head, ...rest] = out.split("\r\n\r\n");
  // Bodies may be chunked: skip the hex chunk-size lines.
  const lines = rest.join("\r\n\r\n").split("\r\n");
  const body = lines.find((l) => l.startsWith("{")) ??
    lines.find((l) => l !== "" && !/^[0-9a-f]+$/i.test(l)) ?? "";
  return { status: head.split("\r\n")[0], body };
}

Deno.test("proxy: bad requests get one-line errors with proper statuses, and the agent lives on", async () => {
  await using h = new Harness();
  const dead = closedPort();
  const agent = await startAgent(
    h,
    "agent",
    `http://127.0.0.1:${closedPort()}`,
    "--proxy",
    "127.0.0.1:0",
    "--registry",
    `http://127.0.0.1:${dead}`,
    "--proxy-allow",
    "127.0.0.1",
  );
  const port = Number(new URL(await proxyUrlOf(agent)).port);
  const close = "Connection: close\r\n\r\n";
  const cases: [string, RegExp, RegExp][] = [
    [
      `GET /v2/ HTTP/1.1\r\nHost: x\r\n${close}`,
      / 502 /,
      /cannot reach 127\.0\.0\.1:\d+: connection refused/,
    ],
    [
      `GET /v2/a/blobs/sha256:${"a".repeat(64)} HTTP/1.1\r\nHost: x\r\n${close}`,
      / 502 /,
      /cannot reach/,
    ],
    [`GET /etc/passwd HTTP/1.1\r\nHost: x\r\n${close}`, / 404 /, /not a registry API path/],
    [
      `GET /v2/../../etc/passwd HTTP/1.1\r\nHost: x\r\n${close}`,
      / 404 /,
      /not a registry API path/,
    ],
    [`GET file:///etc/passwd HTTP/1.1\r\nHost: x\r\n${close}`, / 400 /, /cannot proxy file: URLs/],
    [
      `GET http://evil.example/x HTTP/1.1\r\nHost: evil.example\r\n${close}`,
      / 403 /,
      /not in --proxy-allow/,
    ],
    [`OPTIONS * HTTP/1.1\r\nHost: x\r\n${close}`, / 400 /, /not a URL/],
    [`GET /v2/ HTTP/1.1\r\nHost: bad host\r\n${close}`, / 400 /, /Invalid URL/],
    [
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Dfly-Registry: javascript:alert(1)\r\n${close}`,
      / 400 /,
      /X-Dfly-Registry/,
    ],
    [
      `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Dfly-Registry: https://other.example\r\n${close}`,
      / 403 /,
      /not in --proxy-allow/,
    ],
    [`CONNECT nonsense HTTP/1.1\r\nHost: x\r\n\r\n`, / 400 /, /CONNECT needs host:port/],
    [`CONNECT evil.example:443 HTTP/1.1\r\nHost: x\r\n\r\n`, / 403 /, /not in --proxy-allow/],
    [`CONNECT 127.0.0.1:${dead} HTTP/1.1\r\nHost: x\r\n\r\n`, / 502 /, /^$/],
    [`GARBAGE\r\n\r\n`, / 400 /, /^$/],
  ];
  for (const [request, status, body] of cases) {
    const res = await raw(port, request);
    const what = JSON.stringify(request.split("\r\n")[0]);
    assert.match(res.status, status, `${what} → ${res.status}`);
    assert.match(res.body, body, `${what} → ${res.body}`);
    assert.doesNotMatch(res.body, /\bat .*\.ts:\d+/, "no stack trace");
  }
  // Still alive and answering.
  const health = await fetch(`${agent.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  assert.match((await raw(port, `GET /nope HTTP/1.1\r\nHost: x\r\n${close}`)).status, / 404 /);
});
