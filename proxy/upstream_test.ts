import assert from "node:assert/strict";
import { checkAccess, forward } from "./upstream.ts";

/** A small upstream on loopback that answers by path; closed when the test ends. */
function upstream(): Deno.HttpServer<Deno.NetAddr> & AsyncDisposable {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/manifest") {
      if (req.headers.get("if-none-match") === '"m1"') {
        return new Response(null, { status: 304, headers: { etag: '"m1"' } });
      }
      return new Response("manifest", {
        headers: { etag: '"m1"', "docker-content-digest": "sha256:1", "keep-alive": "timeout=5" },
      });
    }
    if (path === "/redirect") {
      return new Response(null, { status: 307, headers: { location: "/x" } });
    }
    if (path === "/private") {
      return new Response("{}", {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="r"' },
      });
    }
    return new Response(`auth=${req.headers.get("authorization")}`);
  });
}

Deno.test("forward() relays status, headers and body; a 304 carries no body; redirects are not followed", async () => {
  await using server = upstream();
  const base = `http://127.0.0.1:${server.addr.port}`;
  const res = await forward(new Request("http://p/manifest"), `${base}/manifest`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("docker-content-digest"), "sha256:1");
  assert.equal(res.headers.get("keep-alive"), null);
  assert.equal(await res.text(), "manifest");
  const cached = await forward(
    new Request("http://p/manifest", { headers: { "if-none-match": '"m1"' } }),
    `${base}/manifest`,
  );
  assert.equal(cached.status, 304);
  assert.equal(cached.body, null);
  const moved = await forward(new Request("http://p/redirect"), `${base}/redirect`);
  await moved.body?.cancel();
  assert.equal(moved.status, 307);
  assert.equal(moved.headers.get("location"), "/x");
});

Deno.test("forward() answers one-line 502 JSON when the upstream is unreachable", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const res = await forward(new Request("http://p/v2/"), `http://127.0.0.1:${port}/v2/`);
  assert.equal(res.status, 502);
  assert.deepEqual(await res.json(), {
    error: `cannot reach 127.0.0.1:${port}: connection refused`,
    code: "upstream_unreachable",
  });
});

Deno.test("checkAccess() grants on 2xx (with its headers) and 3xx (without), not on 401", async () => {
  await using server = upstream();
  const base = `http://127.0.0.1:${server.addr.port}`;
  const ok = await checkAccess(`${base}/manifest`, [["authorization", "Bearer t"]]);
  assert.ok(ok.granted && ok.headers?.get("etag") === '"m1"');
  const moved = await checkAccess(`${base}/redirect`, []);
  assert.deepEqual(moved, { granted: true, headers: null });
  const denied = await checkAccess(`${base}/private`, []);
  assert.deepEqual(denied, { granted: false, status: 401, reason: "upstream answered 401" });
});
