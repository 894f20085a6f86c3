/**
 * End-to-end checks of config sources with real processes: a YAML file
 * (via `--config` or `DFLY_CONFIG`), `DFLY_<FLAG>` variables on top of it,
 * flags on top of both, and a one-line error naming an unknown key.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import { TOKEN_HEADER, TRACKER_ROUTES } from "../wire.ts";

const SHARED = "shared-secret";

async function hosts(url: string, token: string): Promise<Response> {
  return await fetch(url + TRACKER_ROUTES.hosts, { headers: { [TOKEN_HEADER]: token } });
}

Deno.test("config file, then DFLY_ variables, then flags decide the settings", async () => {
  await using h = new Harness();
  const dir = await h.tempDir();
  const config = `${dir}/dfly.yaml`;
  await Deno.writeTextFile(
    config,
    `# one file for every role on this host
tracker:
  listen: 127.0.0.1:0
  db: file:${dir}/tracker.db
  token: from-file
agent:
  listen: 127.0.0.1:0
  data_dir: ${dir}/agent
  seed: true
  idc: file-idc
  token: from-file
  download-limit: 0
`,
  );
  // The tracker finds the file through DFLY_CONFIG; DFLY_TOKEN beats the file's token.
  const tracker = await h.spawn("tracker", ["tracker"], {
    env: { DFLY_CONFIG: config, DFLY_TOKEN: SHARED },
  });
  const refused = await hosts(tracker.url, "from-file");
  assert.equal(refused.status, 401);
  await refused.body?.cancel();

  // The agent: file for seed/listen/data-dir, env beats the file for idc and
  // tracker, the flag beats env for the token.
  const agent = await h.spawn("agent", ["agent", "--config", config, "--token", SHARED], {
    env: { DFLY_IDC: "env-idc", DFLY_TRACKER: tracker.url, DFLY_TOKEN: "from-env" },
  });
  assert.match(agent.stderr(), /listening url=http:\/\/127\.0\.0\.1:/);
  let seen: { idc: string; seed: boolean }[] = [];
  for (let i = 0; i < 100 && seen.length === 0; i++) {
    const res = await hosts(tracker.url, SHARED);
    assert.equal(res.status, 200);
    seen = (await res.json()).hosts;
    if (seen.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(seen.map((x) => [x.idc, x.seed]), [["env-idc", true]]);
  const stat = await Deno.stat(`${dir}/agent/host-id`);
  assert.ok(stat.isFile, "data_dir from the file was used");
});

Deno.test("config errors are one line naming the key, file or variable; exit status 2", async () => {
  await using h = new Harness();
  const dir = await h.tempDir();
  const cases: [string, string, Record<string, string>, RegExp][] = [
    ["agent:\n  cache-sise: 1GiB\n", "agent", {}, /config: unknown key "agent\.cache-sise"/],
    ["agnet:\n  seed: true\n", "agent", {}, /config: unknown section "agnet"/],
    ["tracker:\n  listen: [\n", "tracker", {}, /is not valid YAML/],
    ["tracker:\n  seed: true\n", "tracker", {}, /unknown key "tracker\.seed"/],
    ["", "agent", { DFLY_SEED: "maybe" }, /DFLY_SEED: use true or false/],
    ["agent:\n  seed: 1\n", "agent", {}, /"agent\.seed" must be true or false/],
  ];
  for (const [i, [text, command, env, want]] of cases.entries()) {
    const file = `${dir}/c${i}.yaml`;
    await Deno.writeTextFile(file, text);
    const res = await h.run(command, [command, "--config", file], { env, timeoutMs: 60_000 });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, want);
    assert.equal(res.stderr.trim().split("\n").length, 1, res.stderr);
  }
  const missing = await h.run("agent", ["agent", "--config", `${dir}/none.yaml`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--config: cannot read .*none\.yaml: no such file/);
});
