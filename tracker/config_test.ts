import assert from "node:assert/strict";
import { UsageError } from "../cli.ts";
import { TRACKER_DEFAULTS, trackerConfigFromFlags } from "./config.ts";

Deno.test("trackerConfigFromFlags() uses the defaults", () => {
  assert.deepEqual(trackerConfigFromFlags({}), TRACKER_DEFAULTS);
});

Deno.test("trackerConfigFromFlags() reads every flag and DFLY_TOKEN", () => {
  const config = trackerConfigFromFlags({
    listen: "127.0.0.1:0",
    db: "libsql://db.example",
    "peer-ttl": "2s",
    "source-peers": "3",
    "seed-grace": "500ms",
    "log-level": "warn",
  }, "envtoken");
  assert.equal(config.listen, "127.0.0.1:0");
  assert.equal(config.db, "libsql://db.example");
  assert.equal(config.peerTtlMs, 2000);
  assert.equal(config.sourcePeers, 3);
  assert.equal(config.seedGraceMs, 500);
  assert.equal(config.logLevel, "warn");
  assert.equal(config.token, "envtoken");
  assert.equal(trackerConfigFromFlags({ token: "flag" }, "env").token, "flag");
});

Deno.test("trackerConfigFromFlags() refuses bad values with one-line usage errors", () => {
  for (
    const [name, value] of [
      ["listen", "nowhere"],
      ["db", "/tmp/x.db"],
      ["peer-ttl", "0s"],
      ["peer-ttl", "soon"],
      ["source-peers", "-1"],
      ["source-peers", "1.5"],
      ["seed-grace", "3d"],
      ["log-level", "loud"],
    ]
  ) {
    assert.throws(
      () => trackerConfigFromFlags({ [name]: value }),
      (err: Error) => err instanceof UsageError && err.message.startsWith(`--${name}: `),
      `${name}=${value}`,
    );
  }
});
