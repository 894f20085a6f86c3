import assert from "node:assert/strict";
import { blobTaskId, taskId } from "../util/task_id.ts";
import {
  blobDigestOfTask,
  hostAllowed,
  parseBlobPath,
  routeConnect,
  routeRequest,
} from "./route.ts";

const HEX = "ab".repeat(32);
const CONFIG = {
  registry: "https://index.docker.io",
  rules: [new RegExp("blobs/sha256.*")],
  allow: [] as string[],
};

Deno.test("parseBlobPath() accepts nested repository names and sha256 only", () => {
  assert.deepEqual(parseBlobPath(`/v2/a/b-c/d__e/blobs/sha256:${HEX}`), {
    name: "a/b-c/d__e",
    digest: `sha256:${HEX}`,
  });
  assert.equal(parseBlobPath(`/v2/a/blobs/sha512:${HEX}${HEX}`), null);
  assert.equal(parseBlobPath(`/v2/a/blobs/sha256:${HEX.toUpperCase()}`), null);
  assert.equal(parseBlobPath(`/v2/a/blobs/uploads/`), null);
  assert.equal(parseBlobPath(`/v2/../blobs/sha256:${HEX}`), null);
  assert.equal(parseBlobPath(`/v2/a/blobs/sha256:${HEX}/x`), null);
});

Deno.test("routeRequest() mirror: blob GETs go P2P, everything else is forwarded", () => {
  const blob = routeRequest({
    method: "GET",
    form: "origin",
    target: `/v2/library/alpine/blobs/sha256:${HEX}`,
    registryHeader: null,
  }, CONFIG);
  assert.deepEqual(blob, {
    kind: "p2p",
    upstream: `https://index.docker.io/v2/library/alpine/blobs/sha256:${HEX}`,
    digest: `sha256:${HEX}`,
  });
  for (const method of ["HEAD", "PUT", "DELETE", "POST"]) {
    const r = routeRequest({
      method,
      form: "origin",
      target: `/v2/library/alpine/blobs/sha256:${HEX}`,
      registryHeader: null,
    }, CONFIG);
    assert.equal(r.kind, "forward", method);
  }
  const tags = routeRequest(
    { method: "GET", form: "origin", target: "/v2/x/tags/list?n=10", registryHeader: null },
    CONFIG,
  );
  assert.deepEqual(tags, {
    kind: "forward",
    upstream: "https://index.docker.io/v2/x/tags/list?n=10",
  });
});

Deno.test("routeRequest() mirror: X-Dfly-Registry picks the upstream, within --proxy-allow", () => {
  const input = {
    method: "GET",
    form: "origin" as const,
    target: "/v2/",
    registryHeader: "http://127.0.0.1:5000",
  };
  assert.deepEqual(routeRequest(input, CONFIG), {
    kind: "forward",
    upstream: "http://127.0.0.1:5000/v2/",
  });
  const strict = { ...CONFIG, allow: ["ghcr.io"] };
  assert.equal(routeRequest(input, strict).kind, "refuse");
  assert.equal(routeRequest({ ...input, registryHeader: "ghcr.io" }, strict).kind, "forward");
  const bad = routeRequest({ ...input, registryHeader: "ftp://x" }, CONFIG);
  assert.equal(bad.kind === "refuse" && bad.status, 400);
  const notApi = routeRequest({ ...input, target: "/etc/passwd", registryHeader: null }, CONFIG);
  assert.equal(notApi.kind === "refuse" && notApi.status, 404);
  const dots = routeRequest(
    { ...input, target: "/v2/../../etc/passwd", registryHeader: null },
    CONFIG,
  );
  assert.equal(dots.kind === "refuse" && dots.status, 404);
  const encoded = routeRequest({ ...input, target: "/v2/%2e%2e/x", registryHeader: null }, CONFIG);
  assert.equal(encoded.kind === "refuse" && encoded.status, 404);
});

Deno.test("routeRequest() proxy: rules choose P2P, --proxy-allow refuses other hosts", () => {
  const blob = routeRequest({
    method: "GET",
    form: "absolute",
    target: `http://reg.local:5000/v2/a/blobs/sha256:${HEX}`,
    registryHeader: null,
  }, CONFIG);
  assert.equal(blob.kind === "p2p" && blob.digest, `sha256:${HEX}`);
  const file = routeRequest(
    { method: "GET", form: "absolute", target: "http://o/big.iso", registryHeader: null },
    { ...CONFIG, rules: [/\.iso$/] },
  );
  assert.deepEqual(file, { kind: "p2p", upstream: "http://o/big.iso", digest: null });
  const other = routeRequest(
    { method: "GET", form: "absolute", target: "http://o/index.html", registryHeader: null },
    CONFIG,
  );
  assert.equal(other.kind, "forward");
  const refused = routeRequest(
    { method: "GET", form: "absolute", target: "http://evil.example/x", registryHeader: null },
    { ...CONFIG, allow: ["reg.local"] },
  );
  assert.equal(refused.kind === "refuse" && refused.status, 403);
  const scheme = routeRequest(
    { method: "GET", form: "absolute", target: "file:///etc/passwd", registryHeader: null },
    CONFIG,
  );
  assert.equal(scheme.kind === "refuse" && scheme.status, 400);
});

Deno.test("hostAllowed() matches a name or name:port; routeConnect() checks it", () => {
  assert.ok(hostAllowed("anything:1", []));
  assert.ok(hostAllowed("Reg.Local:5000", ["reg.local"]));
  assert.ok(hostAllowed("reg.local:5000", ["reg.local:5000"]));
  assert.ok(!hostAllowed("reg.local:5001", ["reg.local:5000"]));
  assert.deepEqual(routeConnect("reg.local:443", ["reg.local"]), {
    kind: "tunnel",
    hostname: "reg.local",
    port: 443,
  });
  assert.equal(routeConnect("[::1]:443", []).kind, "tunnel");
  assert.equal(routeConnect("reg.local", []).kind, "refuse");
  assert.equal(routeConnect("reg.local:0", []).kind, "refuse");
});

Deno.test("blobDigestOfTask() only names a digest for the blob's own task id", () => {
  const digest = `sha256:${HEX}`;
  const url = `https://r.example/v2/a/b/blobs/${digest}`;
  assert.equal(blobDigestOfTask(blobTaskId(digest), url), digest);
  assert.equal(blobDigestOfTask(taskId({ url }), url), null, "a dfly get of the same URL");
  assert.equal(blobDigestOfTask(blobTaskId(digest), "http://o/file.iso"), null);
  assert.equal(blobDigestOfTask(blobTaskId(digest), "not a url"), null);
});
