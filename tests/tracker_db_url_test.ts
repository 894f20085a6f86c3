/**
 * End-to-end: `dfly tracker --db` takes libsql server URLs (`libsql://…`,
 * `http://…`). No libsql server (sqld) can run here, so this checks the
 * part that can be checked: the URL is accepted and passed to the libsql
 * client, which really connects, and an unreachable server stops the
 * tracker with one line giving the network reason (no SQL dump, no trace).
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";

Deno.test("tracker --db libsql:// and http:// reach for the server and fail in one clear line", async () => {
  await using h = new Harness();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close(); // nothing listens there now
  for (const db of [`http://127.0.0.1:${port}`, `libsql://127.0.0.1:${port}?tls=0`]) {
    const res = await h.run("tracker", ["tracker", "--listen", "127.0.0.1:0", "--db", db], {
      timeoutMs: 60_000,
    });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split("\n");
    assert.equal(lines.length, 1, res.stderr);
    assert.match(
      lines[0],
      new RegExp(
        `^dfly tracker: Cannot migrate tracker db ${db.replace("?", "\\?")}: .*Connection refused`,
      ),
    );
    assert.doesNotMatch(lines[0], /CREATE TABLE/);
  }
  const bad = await h.run("tracker", ["tracker", "--db", "postgres://x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--db: use file:PATH, libsql:\/\/HOST or http:\/\/HOST/);
});
