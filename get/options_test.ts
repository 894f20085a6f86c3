import assert from "node:assert/strict";
import { UsageError } from "../cli.ts";
import { DEFAULT_AGENT, parseGetOptions } from "./options.ts";

const env = { cwd: "/home/u" };
const HEX = "ab".repeat(32);

Deno.test("parseGetOptions() fills defaults and resolves the output path", () => {
  const o = parseGetOptions({ output: "out.bin" }, ["http://o/f"], env);
  assert.deepEqual(o, {
    url: "http://o/f",
    output: "/home/u/out.bin",
    agent: DEFAULT_AGENT,
    digest: null,
    headers: [],
    tag: "",
    filter: [],
    p2pOnly: false,
    progress: true,
    json: false,
    token: null,
    ca: null,
  });
});

Deno.test("parseGetOptions() reads every flag", () => {
  const o = parseGetOptions(
    {
      output: "-",
      agent: "http://127.0.0.1:7000/",
      digest: `sha256:${HEX.toUpperCase()}`,
      header: ["A: 1", "B:2"],
      tag: "t",
      filter: "sig, X-Amz-Date,,",
      "p2p-only": true,
      json: true,
      token: "s",
      ca: "/etc/dfly/ca.pem",
    },
    ["https://o/f"],
    { cwd: "/", token: "env" },
  );
  assert.equal(o.output, null);
  assert.equal(o.agent, "http://127.0.0.1:7000");
  assert.equal(o.digest, `sha256:${HEX}`);
  assert.deepEqual(o.headers, [["A", "1"], ["B", "2"]]);
  assert.deepEqual(o.filter, ["sig", "X-Amz-Date"]);
  assert.equal(o.p2pOnly, true);
  assert.equal(o.progress, false, "--json turns the bar off");
  assert.equal(o.token, "s");
  assert.equal(o.ca, "/etc/dfly/ca.pem");
});

Deno.test("parseGetOptions() takes the token from the environment", () => {
  const o = parseGetOptions({ output: "x", "no-progress": true }, ["http://o/f"], {
    cwd: "/",
    token: "env",
  });
  assert.equal(o.token, "env");
  assert.equal(o.progress, false);
});

Deno.test("parseGetOptions() refuses usage mistakes with UsageError", () => {
  const cases: [Record<string, string | string[]>, string[]][] = [
    [{ output: "x" }, []],
    [{}, ["http://o/f"]],
    [{ output: "" }, ["http://o/f"]],
    [{ output: "x" }, ["http://o/f", "http://o/g"]],
    [{ output: "x" }, ["ftp://o/f"]],
    [{ output: "x" }, ["not a url"]],
    [{ output: "x", agent: "127.0.0.1:65002" }, ["http://o/f"]],
    [{ output: "x", digest: "md5:abc" }, ["http://o/f"]],
    [{ output: "x", digest: "sha256:abc" }, ["http://o/f"]],
    [{ output: "x", header: ["nocolon"] }, ["http://o/f"]],
  ];
  for (const [values, positionals] of cases) {
    assert.throws(
      () => parseGetOptions(values, positionals, env),
      UsageError,
      JSON.stringify([values, positionals]),
    );
  }
});
