import assert from "node:assert/strict";
import { resolveTrackerAddrs, seedAllowed } from "./seed_guard.ts";

Deno.test("seedAllowed() admits the tracker's address and refuses other hosts", () => {
  const trackerAddrs = new Set(["10.1.2.3", "fd00::7"]);
  const ask = (remote: string | null, token = false) =>
    seedAllowed({ remote, token, trackerAddrs });
  assert.equal(ask("10.1.2.3"), true);
  assert.equal(ask("::ffff:10.1.2.3"), true);
  assert.equal(ask("FD00::7"), true);
  assert.equal(ask("10.1.2.4"), false);
  assert.equal(ask("127.0.0.1"), false, "loopback is not the tracker here");
  assert.equal(ask(null), false);
  assert.equal(ask("10.9.9.9", true), true, "with --token the token decides");
});

Deno.test("seedAllowed() lets loopback callers in when the tracker is on loopback", () => {
  const trackerAddrs = new Set(["127.0.0.1"]);
  assert.equal(seedAllowed({ remote: "127.0.0.5", token: false, trackerAddrs }), true);
  assert.equal(seedAllowed({ remote: "::1", token: false, trackerAddrs }), true);
  assert.equal(seedAllowed({ remote: "192.168.1.1", token: false, trackerAddrs }), false);
});

Deno.test("resolveTrackerAddrs() keeps literals and maps localhost", async () => {
  const addrs = await resolveTrackerAddrs([
    "http://10.0.0.1:8002",
    "https://[fd00::1]:8002",
    "http://localhost:8002",
  ]);
  assert.deepEqual([...addrs].sort(), ["10.0.0.1", "127.0.0.1", "::1", "fd00::1"]);
});
