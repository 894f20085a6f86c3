import assert from "node:assert/strict";
import { UsageError } from "../cli.ts";
import { parseRegistry, proxyConfigFromFlags } from "./config.ts";

Deno.test("proxyConfigFromFlags() is null without --proxy and fills defaults with it", () => {
  assert.equal(proxyConfigFromFlags({}), null);
  const c = proxyConfigFromFlags({ proxy: "127.0.0.1:65001" })!;
  assert.equal(c.registry, "https://index.docker.io");
  assert.deepEqual(c.rules.map((r) => r.source), ["blobs\\/sha256.*"]);
  assert.deepEqual(c.allow, []);
  const d = proxyConfigFromFlags({
    proxy: "0.0.0.0:1",
    registry: "http://127.0.0.1:5000",
    "proxy-rule": ["\\.iso$", "blobs"],
    "proxy-allow": ["Reg.Local"],
  })!;
  assert.equal(d.registry, "http://127.0.0.1:5000");
  assert.equal(d.rules.length, 2);
  assert.deepEqual(d.allow, ["reg.local"]);
});

Deno.test("proxyConfigFromFlags() refuses bad values with one-line usage errors", () => {
  assert.throws(() => proxyConfigFromFlags({ registry: "x" }), UsageError);
  assert.throws(() => proxyConfigFromFlags({ proxy: "nope" }), /--proxy:/);
  assert.throws(() => proxyConfigFromFlags({ proxy: ":1", "proxy-rule": ["("] }), /--proxy/);
  assert.throws(
    () => proxyConfigFromFlags({ proxy: "127.0.0.1:1", "proxy-rule": ["("] }),
    /--proxy-rule: "\(" is not a valid regular expression/,
  );
  assert.throws(() => proxyConfigFromFlags({ proxy: "127.0.0.1:1", "proxy-allow": ["a b"] }));
  assert.throws(() => parseRegistry("https://r/v2/", "--registry"), /scheme:\/\/host/);
  assert.equal(parseRegistry("http://r:5000/", "--registry"), "http://r:5000");
});
