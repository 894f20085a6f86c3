import assert from "node:assert/strict";
import { UsageError } from "../cli.ts";
import { AGENT_OPTIONS } from "../agent/config.ts";
import { TRACKER_OPTIONS } from "../tracker/config.ts";
import { cacheCommand } from "../cache/command.ts";
import { getCommand } from "../get/command.ts";
import { preheatCommand } from "../preheat/command.ts";
import {
  envName,
  flagsFromDocument,
  flagsFromEnv,
  mergeFlags,
  parseConfigText,
} from "./config_sources.ts";

const SECTIONS = ["tracker", "agent", "get", "preheat", "cache"];

Deno.test("flagsFromDocument() accepts every agent and tracker flag, kebab or snake case", () => {
  for (
    const [command, specs] of [["agent", AGENT_OPTIONS], ["tracker", TRACKER_OPTIONS]] as const
  ) {
    const section: Record<string, unknown> = {};
    for (const [flag, spec] of Object.entries(specs)) {
      section[flag.replaceAll("-", "_")] = spec.type === "boolean" ? true : "x";
    }
    const values = flagsFromDocument({ [command]: section }, {
      command,
      sections: SECTIONS,
      specs,
    });
    assert.deepEqual(Object.keys(values).sort(), Object.keys(specs).sort());
  }
});

Deno.test("flagsFromDocument() names an unknown key and an unknown section", () => {
  const opts = { command: "agent", sections: SECTIONS, specs: AGENT_OPTIONS };
  assert.throws(
    () => flagsFromDocument({ agent: { "cache-sise": "1GiB" } }, opts),
    new UsageError('config: unknown key "agent.cache-sise"'),
  );
  assert.throws(
    () => flagsFromDocument({ agnet: {} }, opts),
    new UsageError(
      'config: unknown section "agnet" (expected one of tracker, agent, get, preheat, cache)',
    ),
  );
  assert.throws(() => flagsFromDocument([1], opts), UsageError);
  assert.throws(
    () => flagsFromDocument({ agent: { config: "x" } }, opts),
    /unknown key "agent.config"/,
  );
});

Deno.test("flagsFromDocument() checks value types and converts numbers and lists", () => {
  const opts = { command: "agent", sections: SECTIONS, specs: AGENT_OPTIONS };
  assert.throws(
    () => flagsFromDocument({ agent: { seed: "yes" } }, opts),
    new UsageError('config: "agent.seed" must be true or false'),
  );
  assert.throws(
    () => flagsFromDocument({ agent: { listen: { a: 1 } } }, opts),
    /"agent.listen" must be a string or a number/,
  );
  const v = flagsFromDocument(
    { agent: { "download-limit": 0, tracker: ["http://a:1", "http://b:2"] }, tracker: {} },
    opts,
  );
  assert.deepEqual(v, { "download-limit": "0", tracker: "http://a:1,http://b:2" });
  // Another command's section is not read (nor validated) by this one.
  assert.deepEqual(flagsFromDocument({ get: { agent: "http://x" } }, opts), {});
});

Deno.test("flagsFromDocument() honours a command's configurable keys", () => {
  const specs = { output: { type: "string" }, agent: { type: "string" } } as const;
  const opts = { command: "get", sections: SECTIONS, specs, keys: ["agent"] };
  assert.deepEqual(flagsFromDocument({ get: { agent: "http://h:1" } }, opts), {
    agent: "http://h:1",
  });
  assert.throws(
    () => flagsFromDocument({ get: { output: "f" } }, opts),
    /unknown key "get.output"/,
  );
});

Deno.test("flagsFromEnv() reads DFLY_<FLAG>, skips empty values, checks booleans", () => {
  assert.equal(envName("upload-limit"), "DFLY_UPLOAD_LIMIT");
  const v = flagsFromEnv(
    { DFLY_UPLOAD_LIMIT: "5MiB", DFLY_IDC: "", DFLY_SEED: "false", DFLY_HELP: "1", OTHER: "x" },
    AGENT_OPTIONS,
  );
  assert.deepEqual(v, { "upload-limit": "5MiB", seed: false });
  assert.throws(
    () => flagsFromEnv({ DFLY_SEED: "maybe" }, AGENT_OPTIONS),
    new UsageError('DFLY_SEED: use true or false, not "maybe"'),
  );
  const multi = { header: { type: "string", multiple: true } } as const;
  assert.deepEqual(flagsFromEnv({ DFLY_HEADER: "A: b" }, multi), { header: ["A: b"] });
});

Deno.test("mergeFlags() lets later layers win and never lets undefined override", () => {
  assert.deepEqual(
    mergeFlags({ a: "file", b: "file", c: "file" }, { b: "env", c: undefined }, { c: "flag" }),
    { a: "file", b: "env", c: "flag" },
  );
});

Deno.test("parseConfigText() turns YAML syntax errors and duplicate keys into one line", async () => {
  assert.deepEqual(await parseConfigText("agent:\n  seed: true\n", "f.yaml"), {
    agent: { seed: true },
  });
  for (const bad of ["agent: [\n", "agent:\n  idc: a\n  idc: b\n"]) {
    await assert.rejects(() => parseConfigText(bad, "f.yaml"), (err: Error) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /^--config: f\.yaml is not valid YAML: /);
      assert.ok(!err.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("docs/dfly.example.yaml is a valid config for tracker and agent", async () => {
  const path = new URL("../docs/dfly.example.yaml", import.meta.url);
  const doc = await parseConfigText(await Deno.readTextFile(path), "dfly.example.yaml");
  const agent = flagsFromDocument(doc, {
    command: "agent",
    sections: SECTIONS,
    specs: AGENT_OPTIONS,
  });
  assert.equal(agent["cache-size"], "20GiB");
  const tracker = flagsFromDocument(doc, {
    command: "tracker",
    sections: SECTIONS,
    specs: TRACKER_OPTIONS,
  });
  assert.equal(tracker["peer-ttl"], "10s");
  for (const command of [getCommand, preheatCommand, cacheCommand]) {
    const v = flagsFromDocument(doc, {
      command: command.name,
      sections: SECTIONS,
      specs: command.options,
      keys: command.configKeys,
    });
    assert.ok(Object.keys(v).length > 0, command.name);
  }
});
