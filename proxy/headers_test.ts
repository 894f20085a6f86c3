import assert from "node:assert/strict";
import { forwardHeaders, hasCredentials, relayResponseHeaders, sourceHeaders } from "./headers.ts";

Deno.test("forwardHeaders() drops hop-by-hop, Connection-named and X-Dfly-* headers", () => {
  const h = forwardHeaders(
    new Headers({
      host: "proxy:65001",
      authorization: "Bearer t",
      connection: "keep-alive, x-trace",
      "x-trace": "1",
      "proxy-authorization": "Basic x",
      "x-dfly-registry": "https://r",
      accept: "application/json",
    }),
  );
  assert.deepEqual([...h.keys()].sort(), ["accept", "authorization"]);
});

Deno.test("sourceHeaders() keeps credentials but not per-request headers", () => {
  const h = sourceHeaders(
    new Headers({
      authorization: "Bearer t",
      range: "bytes=0-1",
      "if-none-match": '"x"',
      "accept-encoding": "gzip",
      "user-agent": "skopeo",
    }),
  );
  assert.deepEqual(h.sort(), [["authorization", "Bearer t"], ["user-agent", "skopeo"]]);
  assert.ok(hasCredentials(h));
  assert.ok(!hasCredentials([["user-agent", "x"]]));
});

Deno.test("relayResponseHeaders() keeps what the registry said, minus hop-by-hop", () => {
  const h = relayResponseHeaders(
    new Headers({
      "www-authenticate": 'Bearer realm="x"',
      "docker-content-digest": "sha256:1",
      "transfer-encoding": "chunked",
      "keep-alive": "timeout=5",
    }),
  );
  assert.deepEqual([...h.keys()].sort(), ["docker-content-digest", "www-authenticate"]);
});
