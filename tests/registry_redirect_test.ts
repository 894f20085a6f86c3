/**
 * End-to-end: a registry that answers blob requests with a 307 to storage on
 * another origin (as registries backed by S3 or a CDN do). Debian's
 * docker-registry cannot redirect with filesystem storage, so the registry
 * front and the storage are two small HTTP servers in this test; the agent
 * and its proxy are real processes.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseRange } from "../proxy/range.ts";
import { Harness } from "./_harness.ts";
import { proxyUrlOf } from "./_registry.ts";
import { startAgent, startTracker } from "./_swarm.ts";

Deno.test("mirror: blobs behind a redirect to storage come through P2P; credentials never reach storage", async () => {
  await using h = new Harness();
  const blob = new Uint8Array(9 * 2 ** 20);
  for (let at = 0; at < blob.length; at += 65536) {
    crypto.getRandomValues(blob.subarray(at, at + 65536));
  }
  const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
  const storageAuth: (string | null)[] = [];
  const storage = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    storageAuth.push(req.headers.get("authorization"));
    const range = parseRange(req.headers.get("range"), blob.length);
    if (range === "unsatisfiable") return new Response(null, { status: 416 });
    const w = range ?? { start: 0, end: blob.length };
    return new Response(req.method === "HEAD" ? null : blob.slice(w.start, w.end), {
      status: range ? 206 : 200,
      headers: {
        "content-length": String(w.end - w.start),
        ...(range ? { "content-range": `bytes ${w.start}-${w.end - 1}/${blob.length}` } : {}),
      },
    });
  });
  h.defer(() => storage.shutdown());
  // Another origin than the registry front (localhost vs 127.0.0.1, another port).
  const storageUrl = `http://localhost:${storage.addr.port}/data/${digest}?sig=abc`;
  const front = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (req.headers.get("authorization") !== "Bearer good") {
      return Response.json({ errors: [{ code: "UNAUTHORIZED" }] }, {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="http://auth.test/token"' },
      });
    }
    if (new URL(req.url).pathname.endsWith(`/blobs/${digest}`)) {
      return new Response(null, { status: 307, headers: { location: storageUrl } });
    }
    return new Response("{}", { headers: { "content-type": "application/json" } });
  });
  h.defer(() => front.shutdown());

  const tracker = await startTracker(h);
  const agent = await startAgent(
    h,
    "agent",
    tracker.url,
    "--proxy",
    "127.0.0.1:0",
    "--registry",
    `http://127.0.0.1:${front.addr.port}`,
  );
  const proxy = await proxyUrlOf(agent);
  const path = `/v2/team/app/blobs/${digest}`;

  const denied = await fetch(`${proxy}${path}`);
  await denied.body?.cancel();
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get("www-authenticate"), 'Bearer realm="http://auth.test/token"');

  const res = await fetch(`${proxy}${path}`, { headers: { authorization: "Bearer good" } });
  assert.equal(res.status, 200);
  assert.ok(res.headers.get("x-dfly-task-id"), "served through P2P, not relayed");
  assert.equal(res.headers.get("docker-content-digest"), digest);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), blob);
  assert.ok(storageAuth.length > 0, "the agent fetched from storage");
  assert.deepEqual(storageAuth.filter((a) => a !== null), [], "no Authorization reached storage");
});
