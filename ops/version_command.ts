/**
 * @module version_command — `dfly version`: the dfly release and the runtime
 * it runs on, as one line or `--json`.
 */
import type { Command, FlagValues } from "../cli.ts";
import { DFLY_VERSION } from "../util/version.ts";

/** What `dfly version --json` prints. */
export interface VersionInfo {
  dfly: string;
  deno: string;
  v8: string;
  typescript: string;
}

/** The versions of this build. */
export function versionInfo(): VersionInfo {
  return { dfly: DFLY_VERSION, ...Deno.version };
}

/** The `dfly version` subcommand. */
export const versionCommand: Command = {
  name: "version",
  summary: "print the dfly version",
  usage: `dfly version — print the dfly version and its runtime

Usage: dfly version [--json]`,
  options: { json: { type: "boolean" } },
  configKeys: [],
  allowPositionals: false,
  run(values: FlagValues): Promise<number> {
    const v = versionInfo();
    console.log(
      values.json
        ? JSON.stringify(v)
        : `dfly ${v.dfly} (deno ${v.deno}, v8 ${v.v8}, typescript ${v.typescript})`,
    );
    return Promise.resolve(0);
  },
};
