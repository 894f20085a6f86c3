/**
 * @module ops_e2e_test — the operator commands against a real swarm
 * (`dfly tasks`, `dfly stat`, `dfly version`), and `dfly get` progress
 * through a pipe: no control characters.
 */
import assert from "node:assert/strict";
import type { TaskListing } from "../ops/task_listing.ts";
import type { TaskStat } from "../ops/task_stat.ts";
import type { VersionInfo } from "../ops/version_command.ts";
import { Harness } from "./_harness.ts";
import { getVia, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const TOKEN = "ops-test-token";

Deno.test({
  name: "ops: dfly tasks, stat and version read a real swarm; get progress in a pipe is plain",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using h = new Harness();
    const origin = await startOrigin(h, "10MiB");
    const tracker = await startTracker(h, "--token", TOKEN);
    const seed = await startAgent(h, "seed", tracker.url, "--seed", "--token", TOKEN);
    const a = await startAgent(h, "a", tracker.url, "--token", TOKEN);
    const out = await h.tempDir();
    const env = { DFLY_TOKEN: TOKEN };

    // Progress through a pipe (not a terminal): no \r redraws, no escape sequences.
    const plain = await h.run("get", [
      "get",
      origin.fileUrl,
      "-o",
      `${out}/a`,
      "--agent",
      a.url,
    ], { env });
    assert.equal(plain.code, 0, plain.stderr);
    // deno-lint-ignore no-control-regex -- checking that none is there
    const control = /[\x00-\x09\x0b-\x1f\x7f]/;
    assert.ok(!control.test(plain.stderr), JSON.stringify(plain.stderr));
    assert.ok(!control.test(plain.stdout), JSON.stringify(plain.stdout));
    const got = await getVia(h, seed.url, origin.fileUrl, `${out}/s`, "--token", TOKEN);

    const agentList = await h.run("tasks", ["tasks", "--agent", a.url, "--json"], { env });
    assert.equal(agentList.code, 0, agentList.stderr);
    const fromAgent = JSON.parse(agentList.stdout) as TaskListing;
    assert.equal(fromAgent.from, "agent");
    assert.equal(fromAgent.server, a.url);
    assert.equal(fromAgent.tasks.length, 1);
    const [t] = fromAgent.tasks;
    assert.equal(t.id, got.task_id);
    assert.equal(t.url, origin.fileUrl);
    assert.equal(t.length, origin.size);
    assert.deepEqual([t.pieces, t.pieceCount, t.progress, t.active], [3, 3, 1, false]);
    assert.equal(t.fromPeers! + t.fromSource!, origin.size);
    // a fetched from the seed (and maybe the source), never from itself.
    assert.equal(t.peers, t.fromPeers! > 0 ? 1 : 0);
    const agentTable = await h.run("tasks", ["tasks", "--agent", a.url], { env });
    assert.match(
      agentTable.stdout,
      /^TASK\s+SIZE\s+PIECES\s+PROGRESS\s+STATE\s+PEERS\s+FROM PEERS/,
    );
    assert.match(agentTable.stdout, /10\.0 MiB\s+3\/3\s+100\.0%\s+complete\s+[01]\s/);

    // Both peers report done in their final announce; wait until the tracker has it.
    let fromTracker: TaskListing | null = null;
    for (let i = 0; i < 50; i++) {
      const res = await h.run("tasks", ["tasks", "--tracker", tracker.url, "--json"], { env });
      assert.equal(res.code, 0, res.stderr);
      fromTracker = JSON.parse(res.stdout) as TaskListing;
      if (fromTracker.tasks[0]?.done === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(fromTracker);
    assert.equal(fromTracker.from, "tracker");
    assert.equal(fromTracker.tasks.length, 1);
    const tt = fromTracker.tasks[0];
    assert.deepEqual(
      [tt.id, tt.length, tt.pieces, tt.pieceCount, tt.peers, tt.done, tt.progress],
      [got.task_id, origin.size, 3, 3, 2, 2, 1],
    );
    assert.equal(tt.fromPeers, null);

    const table = await h.run("tasks", ["tasks", "--tracker", tracker.url, "--token", TOKEN]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^TASK\s+SIZE\s+PIECES\s+PROGRESS\s+PEERS\s+DONE\s+URL$/);
    assert.ok(lines[1].startsWith(got.task_id.slice(0, 12)));
    assert.match(lines[1], /10\.0 MiB\s+3\/3\s+100\.0%\s+2\s+2\s+http/);
    assert.equal(lines[0].indexOf("URL"), lines[1].indexOf("http://"), "columns align");

    const stat = await h.run("stat", [
      "stat",
      got.task_id.slice(0, 8),
      "--tracker",
      tracker.url,
      "--json",
    ], { env });
    assert.equal(stat.code, 0, stat.stderr);
    const s = JSON.parse(stat.stdout) as TaskStat;
    assert.equal(s.id, got.task_id);
    assert.deepEqual([s.pieceCount, s.digests, s.length], [3, 3, origin.size]);
    assert.deepEqual(s.holders, { min: 2, mean: 2, none: 0 });
    assert.equal(s.peers.length, 2);
    assert.deepEqual(
      s.peers.map((p) => [p.pieces, p.progress, p.done]),
      [[3, 1, true], [3, 1, true]],
    );
    assert.equal(s.peers.filter((p) => p.seed).length, 1);

    const statText = await h.run("stat", ["stat", got.task_id, "--tracker", tracker.url], {
      env,
    });
    assert.equal(statText.code, 0, statText.stderr);
    assert.match(statText.stdout, /holders {2}fewest 2, mean 2\.0, 0 held by nobody/);
    assert.match(statText.stdout, /HOST\s+ADDR\s+IDC\s+ROLE\s+PIECES/);

    // Mistakes get one line and a non-zero status.
    const unknown = await h.run("stat", ["stat", "ffff", "--tracker", tracker.url], { env });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), `dfly stat: No task ffff at the tracker ${tracker.url}`);
    const noToken = await h.run("tasks", ["tasks", "--tracker", tracker.url]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /answered 401: Missing or wrong token\n$/);
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const gone = `http://127.0.0.1:${(closed.addr as Deno.NetAddr).port}`;
    closed.close();
    const down = await h.run("tasks", ["tasks", "--tracker", gone]);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr,
      `dfly tasks: Cannot reach the tracker at ${gone}: connection refused\n`,
    );
    const both = await h.run("tasks", ["tasks", "--tracker", tracker.url, "--agent", a.url]);
    assert.equal(both.code, 2);

    const version = await h.run("version", ["version", "--json"]);
    assert.equal(version.code, 0);
    const v = JSON.parse(version.stdout) as VersionInfo;
    assert.match(v.dfly, /^\d+\.\d+\.\d+$/);
    assert.equal(v.deno, Deno.version.deno);
  },
});
