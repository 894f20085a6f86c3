/**
 * End-to-end: the agent sends progress lines as often as the caller asks
 * (`progressMs`), and `dfly get` without a progress bar asks for few.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { sha256File, startAgent, startOrigin, startTracker } from "./_swarm.ts";

async function progressLines(
  agentUrl: string,
  url: string,
  tag: string,
  out: string,
  progressMs?: number,
) {
  const res = await fetch(`${agentUrl}/api/v1/downloads`, {
    method: "POST",
    body: JSON.stringify({
      url,
      tag,
      filter: [],
      headers: [],
      digest: null,
      output: out,
      ...(progressMs === undefined ? {} : { progressMs }),
    }),
  });
  assert.equal(res.status, 200);
  const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.at(-1).type, "done", JSON.stringify(lines.at(-1)));
  return lines.filter((l) => l.type === "progress").length;
}

Deno.test("progress lines come as often as the caller asks", async () => {
  await using h = new Harness();
  const origin = await startOrigin(h, "12MiB");
  const tracker = await startTracker(h);
  // 12 MiB at 4 MiB/s: about 3 s of download per request.
  const agent = await startAgent(h, "agent", tracker.url, "--download-limit", "4MiB");
  const out = await h.tempDir("dfly-out-");
  const often = await progressLines(agent.url, origin.fileUrl, "a", `${out}/a.bin`);
  const seldom = await progressLines(agent.url, origin.fileUrl, "b", `${out}/b.bin`, 5000);
  assert.ok(often >= 8, `default 200 ms: ${often} progress lines`);
  assert.ok(seldom <= 2, `5 s asked: ${seldom} progress lines`);
  assert.equal(await sha256File(`${out}/b.bin`), origin.sha256);
});
