/**
 * Fault suite, disk and load: a download that cannot fit fails before it
 * starts (a small tmpfs; root only), `--cache-size` evicts the least recently
 * used finished task, pieces are served only once verified (fault 7), and 50
 * concurrent downloads of different tasks through one agent finish within the
 * host download limit (fault 8).
 */
import assert from "node:assert/strict";
import { taskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { agentTask, waitFor } from "./_fault.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const MiB = 2 ** 20;
const isRoot = Deno.uid() === 0;

Deno.test({
  name: "fault 7: a download that does not fit on the disk fails before it starts, clearly",
  async fn() {
    if (!isRoot) {
      console.log("skipped: mounting a small tmpfs needs root");
      return;
    }
    await using h = new Harness();
    const mount = await h.tempDir("dfly-tmpfs-");
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=96m", "tmpfs", mount],
      stderr: "piped",
    }).output();
    if (!mounted.success) {
      console.log(`skipped: cannot mount a tmpfs (${new TextDecoder().decode(mounted.stderr)})`);
      return;
    }
    h.defer(async () => {
      await new Deno.Command("umount", { args: ["-l", mount] }).output();
    });
    const big = await startOrigin(h, "64MiB");
    const small = await startOrigin(h, "16MiB");
    const tracker = await startTracker(h);
    const agent = await startAgent(h, "agent", tracker.url, "--data-dir", `${mount}/agent`);
    const out = await h.tempDir();
    const started = Date.now();
    const res = await h.run("get", [
      "get",
      big.fileUrl,
      "-o",
      `${out}/big.bin`,
      "--agent",
      agent.url,
      "--no-progress",
    ]);
    const seconds = (Date.now() - started) / 1000;
    assert.notEqual(res.code, 0);
    const line = res.stderr.trim().split("\n").at(-1)!;
    assert.match(line, /^dfly get: Cannot store task .*free/);
    assert.doesNotMatch(res.stderr, /^\s+at /m);
    assert.deepEqual([...Deno.readDirSync(out)], [], "no output file");
    assert.ok(await big.bytesSent() <= 4 * MiB, "refused before fetching the file");
    console.log(`fault 7: refused in ${seconds.toFixed(2)} s: ${line}`);
    // The agent keeps working: a file that fits is fine.
    await getVia(h, agent.url, small.fileUrl, `${out}/small.bin`);
    assert.equal(await sha256File(`${out}/small.bin`), small.sha256);
  },
});

Deno.test("fault 7: --cache-size evicts the least recently used finished task", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "8MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url, "--cache-size", "20MiB");
  const out = await h.tempDir();
  const held = async () =>
    new Set(
      ((await (await fetch(`${agent.url}/api/v1/tasks`)).json()).tasks as { id: string }[])
        .map((t) => t.id),
    );
  const ids: Record<string, string> = {};
  for (const tag of ["t1", "t2", "t1", "t3"]) {
    ids[tag] = taskId({ url: origin.fileUrl, tag, filter: [] });
    await getVia(h, agent.url, origin.fileUrl, `${out}/${tag}-${Date.now()}.bin`, "--tag", tag);
  }
  const now = await held();
  assert.ok(now.has(ids.t1), "t1 was used after t2, so it stays");
  assert.ok(!now.has(ids.t2), "t2 is the least recently used: evicted");
  assert.ok(now.has(ids.t3));
  assert.equal((await fetch(`${agent.url}/api/v1/pieces/${ids.t2}/0`)).status, 404);
  // Outputs placed before the eviction still hold the right bytes.
  for (const name of Deno.readDirSync(out)) {
    assert.equal(await sha256File(`${out}/${name.name}`), origin.sha256);
  }
});

Deno.test("fault 7: while a download runs, only verified pieces are served", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "24MiB");
  const id = taskId({ url: origin.fileUrl, tag: "", filter: [] });
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url, "--download-limit", "8MiB");
  const out = await h.tempDir();
  const running = getVia(h, agent.url, origin.fileUrl, `${out}/out.bin`);
  const expected: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(origin.fileUrl, {
      headers: { range: `bytes=${i * 4 * MiB}-${(i + 1) * 4 * MiB - 1}` },
    });
    expected.push(new Uint8Array(await res.arrayBuffer()));
  }
  let served = 0;
  let refused = 0;
  await waitFor(
    "the download to finish",
    async () => {
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${agent.url}/api/v1/pieces/${id}/${i}`);
        if (res.status === 200) {
          assert.deepEqual(new Uint8Array(await res.arrayBuffer()), expected[i], `piece ${i}`);
          served++;
        } else {
          assert.equal(res.status, 404);
          await res.body?.cancel();
          refused++;
        }
      }
      return (await agentTask(agent.url, id))?.complete;
    },
    30_000,
    100,
  );
  await running;
  assert.ok(refused > 0 && served > 0, `refused ${refused}, served ${served}`);
});

Deno.test("fault 8: 50 concurrent downloads of different tasks through one agent finish within the host limit", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "1MiB");
  const tracker = await startTracker(h);
  const agent = await startAgent(h, "agent", tracker.url, "--download-limit", "10MiB");
  const out = await h.tempDir();
  const count = 50;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await fetch(`${agent.url}/api/v1/downloads`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          url: origin.fileUrl,
          tag: `c${i}`,
          filter: [],
          headers: [],
          digest: `sha256:${origin.sha256}`,
          output: `${out}/f${i}.bin`,
        }),
      });
      assert.equal(res.status, 200);
      const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
      return lines.at(-1);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const last of results) assert.equal(last.type, "done", JSON.stringify(last));
  for (let i = 0; i < count; i++) {
    assert.equal(await sha256File(`${out}/f${i}.bin`), origin.sha256);
  }
  const bytes = count * origin.size;
  const rate = bytes / MiB / seconds;
  console.log(
    `fault 8: ${count} downloads, ${bytes / MiB} MiB in ${seconds.toFixed(2)} s ` +
      `= ${rate.toFixed(1)} MiB/s (limit 10 MiB/s)`,
  );
  // The bucket lets a burst of 0.5 MiB through at once; the rest is paced.
  assert.ok(rate <= 10 * 1.1, `average ${rate} MiB/s exceeds the limit`);
  assert.equal(await origin.bytesSent(), bytes, "each task fetched once");
  // The agent still answers.
  assert.equal((await fetch(`${agent.url}/healthz`)).status, 200);
});
