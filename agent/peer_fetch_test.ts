import assert from "node:assert/strict";
import { fetchPiece, PeerError } from "./peer_fetch.ts";

const TASK = "a".repeat(64);

Deno.test("fetchPiece() bounds the wait for headers, not the time the body takes", async () => {
  await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => {
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new Uint8Array(3));
        await new Promise((r) => setTimeout(r, 400));
        c.enqueue(new Uint8Array(3));
        c.close();
      },
    });
    return new Response(body, { headers: { "content-length": "6" } });
  });
  const body = await fetchPiece(`127.0.0.1:${server.addr.port}`, TASK, 0, {
    length: 6,
    token: null,
    signal: new AbortController().signal,
    headersTimeoutMs: 100,
  });
  const chunks = await Array.fromAsync(body);
  assert.equal(chunks.reduce((n, c) => n + c.byteLength, 0), 6);
});

Deno.test("fetchPiece() times out a parent that sends no headers", async () => {
  const { promise: never, resolve } = Promise.withResolvers<Response>();
  await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => never);
  const err = await fetchPiece(`127.0.0.1:${server.addr.port}`, TASK, 0, {
    length: 6,
    token: null,
    signal: new AbortController().signal,
    headersTimeoutMs: 100,
  }).catch((e) => e);
  resolve(new Response(null, { status: 503 }));
  assert.ok(err instanceof PeerError);
  assert.equal(err.reason, "timeout");
});

Deno.test("fetchPiece() tells a parent's piece_not_held 404 from other failures, and names the asker", async () => {
  let named: string | null = null;
  await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    named = req.headers.get("x-dfly-peer");
    const code = new URL(req.url).pathname.endsWith("/0") ? "piece_not_held" : "task_not_found";
    return Response.json({ error: "no", code }, { status: 404 });
  });
  const ask = (index: number) =>
    fetchPiece(`127.0.0.1:${server.addr.port}`, TASK, index, {
      length: 6,
      token: null,
      signal: new AbortController().signal,
      headersTimeoutMs: 1000,
      from: "0123456789abcdef0123456789abcdef 127.0.0.1:65002",
    }).catch((e) => e);
  const notHeld = await ask(0);
  assert.ok(notHeld instanceof PeerError);
  assert.equal(notHeld.reason, "http");
  assert.equal(notHeld.notHeld, true);
  assert.equal(named, "0123456789abcdef0123456789abcdef 127.0.0.1:65002");
  const other = await ask(1);
  assert.ok(other instanceof PeerError);
  assert.equal(other.notHeld, false);
});
