/**
 * @module config_reference — prints the README's configuration reference:
 * for every server command, each key a config file section may hold, its
 * `DFLY_` variable and the help text of its flag. Derived from the same
 * option specs `--config` validates against, so it cannot drift from them.
 *
 *   deno run -A scripts/config_reference.ts > /tmp/ref.md
 */
import type { Command } from "../cli.ts";
import { configurableFlags, envName } from "../util/config_sources.ts";

const COMMANDS: [string, () => Promise<Command>][] = [
  ["tracker", async () => (await import("../tracker/command.ts")).trackerCommand],
  ["agent", async () => (await import("../agent/command.ts")).agentCommand],
  ["get", async () => (await import("../get/command.ts")).getCommand],
  ["preheat", async () => (await import("../preheat/command.ts")).preheatCommand],
  ["cache", async () => (await import("../cache/command.ts")).cacheCommand],
];

/** The help text of `--flag` in a usage string (continuation lines joined). */
function helpOf(usage: string, flag: string): string {
  const lines = usage.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^\\s+--${flag}(\\s|$)`).test(l));
  if (at < 0) return "";
  const first = lines[at].replace(
    new RegExp(`^\\s+--${flag}(\\s+[A-Z][A-Z_\\[\\],.…:]*)?\\s*`),
    "",
  );
  const indent = lines[at].length - lines[at].trimStart().length;
  const more: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const lead = l.length - l.trimStart().length;
    if (l.trim() === "" || l.trimStart().startsWith("-") || lead <= indent) break;
    more.push(l.trim());
  }
  return [first, ...more].join(" ").replaceAll("|", "\\|");
}

for (const [name, load] of COMMANDS) {
  const command = await load();
  console.log(`\n**${name}**\n`);
  console.log("| key | environment | meaning |");
  console.log("| --- | --- | --- |");
  for (const flag of configurableFlags(command.options, command.configKeys)) {
    const type = command.options[flag].type === "boolean" ? " (true/false)" : "";
    console.log(`| \`${flag}\`${type} | \`${envName(flag)}\` | ${helpOf(command.usage, flag)} |`);
  }
}
