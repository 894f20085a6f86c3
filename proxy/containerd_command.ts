/**
 * @module containerd_command — `dfly containerd-config`: prints the
 * containerd `hosts.toml` that pulls a registry's images through a dfly mirror.
 */
import type { Command, FlagValues } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { parseRegistry } from "./config.ts";
import { renderHostsToml } from "./hosts_toml.ts";

const USAGE = `dfly containerd-config — print a containerd hosts.toml that uses a dfly mirror

Usage: dfly containerd-config [--registry docker.io] [--mirror http://127.0.0.1:65001]

Options:
  --registry NAME   registry as image names use it (default docker.io)
  --mirror URL      the agent's --proxy address (default http://127.0.0.1:65001)
  -h, --help        show this help

Install the output as /etc/containerd/certs.d/<registry>/hosts.toml and set
config_path = "/etc/containerd/certs.d" in containerd's CRI registry config.`;

/** The `dfly containerd-config` subcommand. */
export const containerdConfigCommand: Command = {
  name: "containerd-config",
  summary: "print a containerd hosts.toml that pulls through the local agent's mirror",
  usage: USAGE,
  options: { registry: { type: "string" }, mirror: { type: "string" } },
  allowPositionals: false,
  configKeys: [],
  run(values: FlagValues): Promise<number> {
    const registry = (values.registry as string | undefined) ?? "docker.io";
    if (!/^([a-z]+:\/\/)?[A-Za-z0-9.\-]+(:\d{1,5})?\/?$/.test(registry)) {
      throw new UsageError(`--registry: "${registry}" must be a registry host, e.g. docker.io`);
    }
    const mirror = parseRegistry(
      (values.mirror as string | undefined) ?? "http://127.0.0.1:65001",
      "--mirror",
    );
    console.log(renderHostsToml({ registry, mirror }).trimEnd());
    return Promise.resolve(0);
  },
};
