/**
 * @module method_bittorrent — method (b) of the netns swarm benchmark: a
 * BitTorrent swarm of Debian programs. opentracker and an aria2c seeder
 * (holding the file) run on the origin host; every client runs aria2c with
 * DHT, local peer discovery and peer exchange off and seed ratio 0, so a
 * finished client keeps uploading until the measurement ends. A client's
 * completion time comes from aria2's on-bt-download-complete hook.
 */
import {
  measure,
  type MethodContext,
  type MethodRun,
  type Started,
  waitForPort,
} from "./method.ts";
import { run, type TestbedHost } from "./netns.ts";

/** opentracker's HTTP port in the origin host. */
export const TRACKER_PORT = 6969;

/** aria2c options every peer (seeder and clients) shares. */
export function aria2Options(dir: string): string[] {
  return [
    `--dir=${dir}`,
    "--seed-ratio=0.0",
    "--enable-dht=false",
    "--enable-dht6=false",
    "--bt-enable-lpd=false",
    "--enable-peer-exchange=false",
    "--disable-ipv6=true",
    "--file-allocation=none",
    "--summary-interval=0",
    "--console-log-level=warn",
    "--check-certificate=false",
    "--listen-port=6881",
  ];
}

/** Makes the .torrent (256 KiB pieces, private) once per run; returns its path and info hash. */
export async function makeTorrent(ctx: MethodContext): Promise<{ path: string; infoHash: string }> {
  const path = `${ctx.work}/bt/${ctx.file.name}.torrent`;
  await Deno.mkdir(`${ctx.work}/bt`, { recursive: true });
  const announce = `http://${ctx.bed.origin.ip}:${TRACKER_PORT}/announce`;
  if (!(await Deno.stat(path).catch(() => null))) {
    await run("mktorrent", [
      "-p",
      "-l",
      "18",
      "-a",
      announce,
      "-o",
      path,
      `${ctx.file.dir}/${ctx.file.name}`,
    ]);
  }
  const shown = await run("aria2c", ["-S", path]);
  const m = /Info Hash: ([0-9a-f]{40})/.exec(shown.stdout);
  if (!m) throw new Error(`aria2c -S shows no info hash: ${shown.stdout}`);
  return { path, infoHash: m[1] };
}

/** Seeders the tracker knows for `infoHash` (scrape, from inside the origin host). */
async function scrapeComplete(origin: TestbedHost, infoHash: string): Promise<number> {
  const escaped = infoHash.replace(/../g, "%$&");
  const url = `http://${origin.ip}:${TRACKER_PORT}/scrape?info_hash=${escaped}`;
  const res = await run("ip", ["netns", "exec", origin.ns, "curl", "-s", url], true);
  const m = /8:completei(\d+)e/.exec(res.stdout);
  return m ? Number(m[1]) : 0;
}

/** Polls a file a hook writes (epoch ms) until the deadline; null when it never appears. */
async function pollDoneFile(path: string, deadline: number): Promise<number | null> {
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const at = Number(text.trim());
    if (text.trim() !== "" && Number.isFinite(at)) return at;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** opentracker + aria2c seeder on the origin, aria2c on every client, all at once. */
export async function runBitTorrent(ctx: MethodContext): Promise<MethodRun> {
  const { origin } = ctx.bed;
  const torrent = await makeTorrent(ctx);
  const hook = `${ctx.work}/bt/done-hook.sh`;
  await Deno.writeTextFile(hook, '#!/bin/sh\ndate +%s%3N > "$DFLY_DONE_FILE"\n');
  await Deno.chmod(hook, 0o755);
  // Debian's opentracker serves only whitelisted torrents; the path is inside its chroot (-d).
  await Deno.writeTextFile(`${ctx.work}/bt/whitelist`, `${torrent.infoHash}\n`);

  await ctx.h.spawnCommand("opentracker", "ip", [
    "netns",
    "exec",
    origin.ns,
    "opentracker",
    "-i",
    origin.ip,
    "-p",
    String(TRACKER_PORT),
    "-P",
    String(TRACKER_PORT),
    "-d",
    `${ctx.work}/bt`,
    "-w",
    "/whitelist",
  ], { server: false });
  await waitForPort(origin, origin.ip, TRACKER_PORT);
  await ctx.h.spawnCommand("aria2-seeder", "ip", [
    "netns",
    "exec",
    origin.ns,
    "aria2c",
    ...aria2Options(ctx.file.dir),
    "--bt-seed-unverified=true",
    "--check-integrity=false",
    torrent.path,
  ], { server: false });
  const seedDeadline = Date.now() + 60_000;
  while ((await scrapeComplete(origin, torrent.infoHash)) < 1) {
    if (Date.now() > seedDeadline) {
      throw new Error("the aria2c seeder never registered as complete");
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const dirs = ctx.clients.map((h) => `${ctx.work}/h${h.index}/bt`);
  const outputs = dirs.map((d) => `${d}/${ctx.file.name}`);
  for (const d of dirs) await Deno.mkdir(d, { recursive: true });
  const result = await measure(ctx, "bittorrent", outputs, async (): Promise<Started> => {
    const deadline = Date.now() + ctx.timeoutMs;
    const doneFiles = dirs.map((d) => `${d}/done-at`);
    await Promise.all(
      ctx.clients.map((host, i) =>
        ctx.h.spawnCommand(`aria2-h${host.index}`, "ip", [
          "netns",
          "exec",
          host.ns,
          "aria2c",
          ...aria2Options(dirs[i]),
          `--on-bt-download-complete=${hook}`,
          torrent.path,
        ], { server: false, env: { DFLY_DONE_FILE: doneFiles[i] } })
      ),
    );
    const done = doneFiles.map((f) => pollDoneFile(f, deadline));
    return { done, exitedCpuSeconds: () => 0, errors: () => [] };
  });
  for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  return result;
}
