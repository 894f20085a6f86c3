/**
 * End-to-end: an agent places a finished file at a caller's output path only
 * when the caller runs as the agent's own user. Another local user (here
 * `nobody`, via setpriv + curl) gets 403 and nothing is written, so a root
 * agent cannot be made to write where that user could not; `dfly get` then
 * streams the content and writes the file itself.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { startAgent, startOrigin, startTracker } from "./_swarm.ts";

async function have(cmd: string): Promise<boolean> {
  const r = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`] }).output();
  return r.success;
}

const reason = Deno.uid() !== 0
  ? "needs root to act as another user"
  : !(await have("setpriv")) || !(await have("curl"))
  ? "needs setpriv and curl"
  : null;
if (reason) console.log(`placement_owner_test skipped: ${reason}`);

Deno.test({
  name: "placement: the agent writes an output path only for a caller running as its own user",
  ignore: reason !== null,
  async fn() {
    await using h = new Harness();
    const origin = await startOrigin(h, "1MiB");
    const tracker = await startTracker(h);
    const agent = await startAgent(h, "agent", tracker.url);
    const dir = await h.tempDir("dfly-root-only-");
    const post = async (output: string, asNobody: boolean) => {
      const body = JSON.stringify({
        url: origin.fileUrl,
        tag: "",
        filter: [],
        headers: [],
        digest: null,
        output,
      });
      const curl = [
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "--data",
        body,
        `${agent.url}/api/v1/downloads`,
      ];
      const argv = asNobody
        ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...curl]
        : curl;
      const out = await new Deno.Command(argv[0], { args: argv.slice(1) }).output();
      const text = new TextDecoder().decode(out.stdout).trimEnd();
      return { status: Number(text.slice(text.lastIndexOf("\n") + 1)), text };
    };

    const refused = await post(`${dir}/from-nobody.bin`, true);
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /output_not_writable/);
    await assert.rejects(() => Deno.lstat(`${dir}/from-nobody.bin`), Deno.errors.NotFound);

    const placed = await post(`${dir}/from-root.bin`, false);
    assert.equal(placed.status, 200, placed.text);
    assert.match(placed.text, /"type":"done"/);
    assert.equal((await Deno.stat(`${dir}/from-root.bin`)).size, origin.size);
  },
});
