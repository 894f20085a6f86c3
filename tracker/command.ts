/**
 * @module command — `dfly tracker`: runs the tracker until SIGINT/SIGTERM,
 * then saves its state and exits 0.
 */
import type { Command, FlagValues } from "../cli.ts";
import { createLogger, setLogLevel } from "../util/log.ts";
import { applyLogFormat } from "../util/log_format_flag.ts";
import { TRACKER_OPTIONS, trackerConfigFromFlags } from "./config.ts";
import { startTracker } from "./server.ts";

const USAGE = `dfly tracker — know every task, its pieces and peers; hand out parents

Usage: dfly tracker [options]

Options:
  --listen HOST:PORT    address to serve on (default 0.0.0.0:8002)
  --db URL              state database: file:PATH (embedded libsql), libsql://HOST or
                        http(s)://HOST (libsql server; add ?authToken=… if it needs one)
                        (default file:./dfly-data/tracker.db)
  --token T             shared secret every call must carry (or DFLY_TOKEN)
  --peer-ttl DURATION   drop hosts not heard from for this long (default 10s)
  --source-peers N      most concurrent back-to-source peers per task without a seed
                        (default 1)
  --seed-grace DURATION how long a triggered seed has to show up before a peer goes
                        to the source itself (default 3s)
  --log-level LEVEL     debug, info, warn or error (default info)
  --log-format FORMAT   text (default) or json: one JSON object per line
  --tls-cert FILE       serve HTTPS with this PEM certificate chain (with --tls-key)
  --tls-key FILE        PEM private key of --tls-cert
  --ca FILE             PEM CA to trust when calling seeds over HTTPS
  -h, --help            show this help`;

/** The `dfly tracker` subcommand. */
export const trackerCommand: Command = {
  name: "tracker",
  summary: "run the tracker",
  usage: USAGE,
  options: TRACKER_OPTIONS,
  allowPositionals: false,
  async run(values: FlagValues): Promise<number> {
    const config = trackerConfigFromFlags(values, Deno.env.get("DFLY_TOKEN"));
    setLogLevel(config.logLevel);
    applyLogFormat(values["log-format"]);
    const log = createLogger("tracker");
    const tracker = await startTracker(config, log);
    const signals = ["SIGINT", "SIGTERM"] as const;
    let onSignal = () => {};
    const stopped = new Promise<void>((resolve) => onSignal = resolve);
    for (const signal of signals) Deno.addSignalListener(signal, onSignal);
    await Promise.race([stopped, tracker.server.finished]);
    log.info("stopping");
    await tracker.stop();
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    return 0;
  },
};
