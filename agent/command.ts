/**
 * @module command — `dfly agent`: runs an agent until SIGINT/SIGTERM.
 */
import type { Command, FlagValues } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { applyLogFormat } from "../util/log_format_flag.ts";
import { parseLogLevel, setLogLevel } from "../util/log.ts";
import { startAgent } from "./agent.ts";
import { AGENT_OPTIONS, agentConfigFromFlags } from "./config.ts";
import { PROXY_USAGE } from "../proxy/config.ts";

const USAGE = `dfly agent — serve pieces to peers and download for local callers

Usage: dfly agent [options]

Options:
  --tracker URL[,URL…]   tracker(s) to use; with several, each task goes to one picked by
                         rendezvous hashing, failing over to the next (default http://127.0.0.1:8002)
  --listen HOST:PORT     address of the piece server and local API (default 0.0.0.0:65002)
  --advertise HOST:PORT  address other agents use to reach this one (default: from --listen)
  --data-dir DIR         piece store (default ./dfly-data/agent)
  --seed                 act as a seed: fetch from the source first, keep content longer
  --seed-spread DURATION a seed sends each piece to one peer and holds it back from others
                         for this long, so the swarm spreads it (default 2s; 0 = serve all)
  --download-limit RATE  host-wide download limit, e.g. 100MiB, 800Mbit, 0 = none (default 100MiB)
  --upload-limit RATE    host-wide upload limit (default 100MiB)
  --upload-slots N       pieces uploaded at once; more requests are told to ask another
                         parent or come back shortly (default 4; 0 = no bound)
  --cache-size SIZE      piece cache quota, e.g. 20GiB, 0 = none (default 20GiB)
  --cache-ttl DURATION   remove finished tasks unread for this long, e.g. 168h (default 0 = keep
                         until the quota needs room)
  --idc NAME             location label; peers with the same label are preferred
  --token T              shared secret for tracker and agent calls (or DFLY_TOKEN)
  --log-level LEVEL      debug, info, warn or error (default info)
  --log-format FORMAT    text (default) or json: one JSON object per line
  --tls-cert FILE        serve HTTPS with this PEM certificate chain (with --tls-key);
                         peers are then asked over HTTPS as well
  --tls-key FILE         PEM private key of --tls-cert
  --ca FILE              PEM CA to trust for the tracker and peers (besides the system's)
${PROXY_USAGE}
  -h, --help             show this help`;

/** The `dfly agent` subcommand. */
export const agentCommand: Command = {
  name: "agent",
  summary: "run an agent",
  usage: USAGE,
  options: AGENT_OPTIONS,
  allowPositionals: false,
  async run(values: FlagValues): Promise<number> {
    const config = agentConfigFromFlags(values);
    if (values["log-level"]) {
      try {
        setLogLevel(parseLogLevel(values["log-level"] as string));
      } catch (err) {
        throw new UsageError(`--log-level: ${(err as Error).message}`);
      }
    }
    applyLogFormat(values["log-format"]);
    const agent = await startAgent(config);
    const stopped = new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, resolve);
    });
    await Promise.race([stopped, agent.server.finished]);
    // A second signal while draining means now: what is on disk is consistent at any moment
    // (meta is written only after the data it vouches for), as after a crash.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => Deno.exit(1));
    }
    await agent.close();
    return 0;
  },
};
