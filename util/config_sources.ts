/**
 * @module config_sources — where a command's flag values come from besides
 * the command line: a YAML config file (`--config FILE` or `DFLY_CONFIG`)
 * with one section per command, and `DFLY_<FLAG>` environment variables.
 * Valid keys are derived from each command's parseArgs option specs, so a
 * flag added to a command is configurable without touching this module.
 * Precedence, lowest first: defaults, file, environment, flags.
 */
import type { ParseArgsConfig } from "node:util";
import { type FlagValues, UsageError } from "../cli.ts";

/** parseArgs option specs of one command. */
export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** Environment variable that names the config file when `--config` is absent. */
export const CONFIG_ENV = "DFLY_CONFIG";

/** Flags that only make sense on the command line. */
const NEVER_CONFIGURED = new Set(["help", "config"]);

/**
 * The environment variable of a flag: `download-limit` → `DFLY_DOWNLOAD_LIMIT`.
 *
 * @example
 * ```ts
 * import { envName } from "./config_sources.ts";
 * if (envName("download-limit") !== "DFLY_DOWNLOAD_LIMIT") throw new Error();
 * ```
 */
export function envName(flag: string): string {
  return "DFLY_" + flag.replaceAll("-", "_").toUpperCase();
}

/** Flags of `specs` that a file or the environment may set (`keys` narrows them). */
export function configurableFlags(specs: OptionSpecs, keys?: readonly string[]): string[] {
  const all = Object.keys(specs).filter((k) => !NEVER_CONFIGURED.has(k));
  return keys ? all.filter((k) => keys.includes(k)) : all;
}

/**
 * Flag values from the `command` section of a parsed config document.
 * Top-level keys must be command names (`sections`); keys inside the
 * section must be flags of the command (`download-limit` or
 * `download_limit`). Throws {@link UsageError} naming the offending key.
 *
 * @example
 * ```ts
 * import { flagsFromDocument } from "./config_sources.ts";
 * const doc = { agent: { download_limit: "50MiB", seed: true } };
 * const specs = { "download-limit": { type: "string" }, seed: { type: "boolean" } } as const;
 * const v = flagsFromDocument(doc, { command: "agent", sections: ["agent"], specs });
 * if (v["download-limit"] !== "50MiB" || v.seed !== true) throw new Error();
 * ```
 */
export function flagsFromDocument(
  doc: unknown,
  { command, sections, specs, keys }: {
    command: string;
    sections: readonly string[];
    specs: OptionSpecs;
    keys?: readonly string[];
  },
): FlagValues {
  if (doc === null || doc === undefined) return {};
  if (!isMapping(doc)) throw new UsageError("config: the top level must be a mapping of commands");
  for (const section of Object.keys(doc)) {
    if (!sections.includes(section)) {
      throw new UsageError(
        `config: unknown section "${section}" (expected one of ${sections.join(", ")})`,
      );
    }
  }
  const body = doc[command];
  if (body === null || body === undefined) return {};
  if (!isMapping(body)) throw new UsageError(`config: "${command}" must be a mapping of flags`);
  const allowed = configurableFlags(specs, keys);
  const values: FlagValues = {};
  for (const [rawKey, raw] of Object.entries(body)) {
    const flag = rawKey.replaceAll("_", "-");
    if (!allowed.includes(flag)) {
      throw new UsageError(`config: unknown key "${command}.${rawKey}"`);
    }
    values[flag] = fileValue(`${command}.${rawKey}`, raw, specs[flag]);
  }
  return values;
}

/**
 * Flag values from `DFLY_<FLAG>` variables; empty variables count as unset.
 *
 * @example
 * ```ts
 * import { flagsFromEnv } from "./config_sources.ts";
 * const specs = { "cache-size": { type: "string" }, seed: { type: "boolean" } } as const;
 * const v = flagsFromEnv({ DFLY_CACHE_SIZE: "1GiB", DFLY_SEED: "yes" }, specs);
 * if (v["cache-size"] !== "1GiB" || v.seed !== true) throw new Error();
 * ```
 */
export function flagsFromEnv(
  env: Record<string, string | undefined>,
  specs: OptionSpecs,
  keys?: readonly string[],
): FlagValues {
  const values: FlagValues = {};
  for (const flag of configurableFlags(specs, keys)) {
    const name = envName(flag);
    const text = env[name];
    if (text === undefined || text === "") continue;
    const spec = specs[flag];
    const value = spec.type === "boolean" ? envBoolean(name, text) : text;
    values[flag] = spec.multiple ? [value] : value;
  }
  return values;
}

/** Layers flag values; later layers win, undefined never overrides. */
export function mergeFlags(...layers: FlagValues[]): FlagValues {
  const merged: FlagValues = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  }
  return merged;
}

/** Reads and parses a YAML config file; any failure is a one-line {@link UsageError}. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
    throw new UsageError(`--config: cannot read ${path}: ${why}`);
  }
  return await parseConfigText(text, path);
}

/**
 * Parses YAML config text; syntax errors become a one-line {@link UsageError}.
 * The YAML parser is loaded here, not at start-up: it is an npm package, and
 * loading one doubles the start-up CPU of every `dfly get` (0.07 → 0.16 s).
 */
export async function parseConfigText(text: string, path: string): Promise<unknown> {
  const { parse: parseYaml } = await import("yaml");
  try {
    return parseYaml(text, { prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    const first = String((err as Error).message).split("\n")[0];
    throw new UsageError(`--config: ${path} is not valid YAML: ${first}`);
  }
}

function fileValue(
  key: string,
  raw: unknown,
  spec: OptionSpecs[string],
): string | boolean | (string | boolean)[] {
  if (spec.multiple) {
    const items = Array.isArray(raw) ? raw : [raw];
    return items.map((item) => scalar(key, item, spec.type));
  }
  return scalar(key, raw, spec.type);
}

function scalar(key: string, raw: unknown, type: "string" | "boolean"): string | boolean {
  if (type === "boolean") {
    if (typeof raw !== "boolean") throw new UsageError(`config: "${key}" must be true or false`);
    return raw;
  }
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
  if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) return raw.join(",");
  throw new UsageError(`config: "${key}" must be a string or a number`);
}

function envBoolean(name: string, text: string): boolean {
  const t = text.toLowerCase();
  if (["1", "true", "yes", "on"].includes(t)) return true;
  if (["0", "false", "no", "off"].includes(t)) return false;
  throw new UsageError(`${name}: use true or false, not "${text}"`);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
