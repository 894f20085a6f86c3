/**
 * End-to-end: an agent given three trackers spreads tasks over them by
 * rendezvous hashing; one tracker is SIGKILLed while downloads run, every
 * download still completes, and its tasks move to the next tracker in their
 * rendezvous order (a task finished before the kill too, re-announced by its
 * holder), where other agents then find the first one as a parent.
 */
import assert from "node:assert/strict";
import { rendezvousOrder } from "../agent/rendezvous.ts";
import { taskId } from "../util/task_id.ts";
import { Harness } from "./_harness.ts";
import { getVia, sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

const TAGS = ["t0", "t1", "t2", "t3", "t4", "t5"];

async function trackerTasks(url: string): Promise<string[]> {
  const res = await fetch(`${url}/api/v1/tasks`);
  return ((await res.json()).tasks as { id: string }[]).map((t) => t.id);
}

Deno.test("three trackers: one killed mid-run, downloads complete and tasks move to survivors", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "4MiB");
  const trackers = await Promise.all([0, 1, 2].map(() => startTracker(h)));
  const urls = trackers.map((t) => t.url);
  const list = urls.join(",");
  const ids = TAGS.map((tag) => taskId({ url: origin.fileUrl, tag, filter: [] }));
  const owner = ids.map((id) => rendezvousOrder(id, urls)[0]);
  // Kill the tracker that owns the most of these tasks.
  const victim = urls.reduce((a, b) =>
    owner.filter((o) => o === b).length > owner.filter((o) => o === a).length ? b : a
  );
  const orphans = ids.filter((_, i) => owner[i] === victim);
  assert.ok(orphans.length > 0);
  // One more task of the victim's, finished before the kill: nobody announces it again on
  // their own, so only the agent's re-announce can bring it to the survivors.
  let early = 0;
  while (
    rendezvousOrder(taskId({ url: origin.fileUrl, tag: `early${early}` }), urls)[0] !== victim
  ) {
    early++;
  }
  const earlyTag = `early${early}`;
  const earlyId = taskId({ url: origin.fileUrl, tag: earlyTag });

  // Slow enough (8 MiB/s for 24 MiB) that the kill lands while pieces still flow.
  const first = await startAgent(h, "first", list, "--download-limit", "8MiB");
  const out = await h.tempDir();
  await getVia(h, first.url, origin.fileUrl, `${out}/first-early.bin`, "--tag", earlyTag);
  const downloads = TAGS.map((tag) =>
    getVia(h, first.url, origin.fileUrl, `${out}/first-${tag}.bin`, "--tag", tag)
  );
  await new Promise((r) => setTimeout(r, 800));
  await trackers[urls.indexOf(victim)].kill("SIGKILL");
  const firstRuns = await Promise.all(downloads);
  for (const [i, tag] of TAGS.entries()) {
    assert.equal(firstRuns[i].task_id, ids[i]);
    assert.equal(await sha256File(`${out}/first-${tag}.bin`), origin.sha256, tag);
  }

  // Each orphan now lives on its second tracker in rendezvous order; the
  // other tasks stayed where they were.
  const survivors = urls.filter((u) => u !== victim);
  const known = new Map(
    await Promise.all(survivors.map(async (u) => [u, await trackerTasks(u)] as const)),
  );
  for (const [i, id] of ids.entries()) {
    const expected = owner[i] === victim ? rendezvousOrder(id, urls)[1] : owner[i];
    assert.ok(known.get(expected)!.includes(id), `task ${TAGS[i]} not on ${expected}`);
  }
  const earlyOwner = rendezvousOrder(earlyId, urls)[1];
  for (let i = 0; i < 50 && !(await trackerTasks(earlyOwner)).includes(earlyId); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(
    (await trackerTasks(earlyOwner)).includes(earlyId),
    "the finished task was re-announced",
  );

  // A second agent gets every task from the first one through the survivors.
  const second = await startAgent(h, "second", list);
  for (const tag of [...TAGS, earlyTag]) {
    const s = await getVia(h, second.url, origin.fileUrl, `${out}/second-${tag}.bin`, "--tag", tag);
    assert.equal(await sha256File(`${out}/second-${tag}.bin`), origin.sha256);
    assert.equal(s.from_peers_bytes, origin.size, `${tag} came from the first agent`);
  }
});
