/**
 * End-to-end: `deno task bundle`'s artifact (dfly.js + migrations + native
 * libsql, copied away from the source tree) runs a tracker and an agent and
 * completes a `dfly get`, all three from the bundle with no deno.json.
 */
import assert from "node:assert/strict";
import { buildBundle } from "../scripts/bundle.ts";
import { Harness } from "./_harness.ts";
import { sha256File, startOrigin } from "./_swarm.ts";

Deno.test("the bundled dfly.js runs tracker, agent and get to a verified download", async () => {
  await using h = new Harness();
  const dir = await h.tempDir("dfly-bundle-");
  const dist = `${dir}/dist`;
  await buildBundle(dist);
  const origin = await startOrigin(h, "6MiB");
  // Run from a directory outside the repository, as an installed copy would.
  const dfly = (args: string[]) => ["run", "-A", "--no-config", `${dist}/dfly.js`, ...args];
  const deno = Deno.execPath();
  const tracker = await h.spawnCommand(
    "tracker",
    deno,
    dfly(["tracker", "--listen", "127.0.0.1:0", "--db", `file:${dir}/state/tracker.db`]),
    { cwd: dir },
  );
  const agent = await h.spawnCommand(
    "agent",
    deno,
    dfly([
      "agent",
      "--listen",
      "127.0.0.1:0",
      "--tracker",
      tracker.url,
      "--data-dir",
      `${dir}/agent`,
    ]),
    { cwd: dir },
  );
  const get = await h.spawnCommand(
    "get",
    deno,
    dfly(["get", origin.fileUrl, "-o", `${dir}/out.bin`, "--agent", agent.url, "--json"]),
    { cwd: dir, server: false },
  );
  const status = await get.status;
  assert.equal(status.code, 0, get.stderr());
  assert.equal(await sha256File(`${dir}/out.bin`), origin.sha256);
  assert.equal(JSON.parse(get.stdout()).bytes, origin.size);
  // The tracker really used the bundled migrations: it knows the task.
  const tasks = (await (await fetch(`${tracker.url}/api/v1/tasks`)).json()).tasks;
  assert.equal(tasks.length, 1);
  await tracker.kill("SIGTERM");
  assert.equal((await tracker.status).code, 0, tracker.stderr());
});
