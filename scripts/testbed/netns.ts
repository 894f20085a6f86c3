/**
 * @module netns — an emulated LAN on one machine: one network namespace per
 * host, all joined by veth pairs to a bridge that lives in its own namespace,
 * with htb shaping on both ends of every veth (a host's upload rate on its
 * side, its download rate on the bridge side). Addresses are in 10.77.0.0/24
 * and exist only inside these namespaces; nothing is routed out. Needs root.
 *
 * ```
 *   h0 (origin) eth0 ──veth── p0 ┐
 *   h1          eth0 ──veth── p1 ├─ br0   (namespace "<prefix>-br")
 *   hN          eth0 ──veth── pN ┘
 *   egress of eth0 = host's upload rate; egress of pI = host's download rate
 * ```
 *
 * {@link Testbed.destroy} kills every process left in the namespaces and
 * deletes them; it is safe to call more than once.
 */
import { parseIptablesSportBytes, parseTcpSegments, type TcpSegments } from "./proc_counters.ts";

/** One emulated host. */
export interface TestbedHost {
  /** Index: 0 is the origin host. */
  index: number;
  /** Network namespace name. */
  ns: string;
  /** IPv4 address on the bridge. */
  ip: string;
  /** Upload and download rate, bytes per second. */
  up: number;
  down: number;
}

/** Options of {@link Testbed.create}. */
export interface TestbedOptions {
  /** Client hosts besides the origin host h0. */
  clients: number;
  /** Each client's upload and download rate, bytes/s. */
  rate: number;
  /** The origin host's upload and download rate, bytes/s (default {@link TestbedOptions.rate}). */
  originRate?: number;
  /** Name prefix of namespaces (default `dfb<pid>`; at most 8 characters). */
  prefix?: string;
}

/** Output of one finished command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; throws with its stderr when it fails (unless `allowFail`). */
export async function run(
  program: string,
  args: string[],
  allowFail = false,
): Promise<CommandResult> {
  const out = await new Deno.Command(program, { args, stdin: "null" }).output();
  const res = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if (res.code !== 0 && !allowFail) {
    throw new Error(`${program} ${args.join(" ")} failed (${res.code}): ${res.stderr.trim()}`);
  }
  return res;
}

/** The htb rate argument for bytes/s. */
export function tcRate(bytesPerSecond: number): string {
  return `${Math.round(bytesPerSecond * 8)}bit`;
}

/** Byte limit of the fifo under each htb class: ~50 ms at the rate, at least 64 KiB. */
export function fifoLimitBytes(bytesPerSecond: number): number {
  return Math.max(64 * 1024, Math.round(bytesPerSecond * 0.05));
}

/** The namespaces, veths and shaping of one emulated LAN. */
export class Testbed {
  readonly prefix: string;
  readonly bridgeNs: string;
  readonly hosts: TestbedHost[];
  #destroyed = false;

  private constructor(prefix: string, hosts: TestbedHost[]) {
    this.prefix = prefix;
    this.bridgeNs = `${prefix}-br`;
    this.hosts = hosts;
  }

  /** The origin host h0. */
  get origin(): TestbedHost {
    return this.hosts[0];
  }

  /** Client hosts h1..hN. */
  get clients(): TestbedHost[] {
    return this.hosts.slice(1);
  }

  /** Builds the LAN; on any failure it removes what it made and rethrows. */
  static async create(options: TestbedOptions): Promise<Testbed> {
    if (Deno.uid() !== 0) throw new Error("Cannot build the netns testbed as it needs root");
    if (options.clients < 1 || options.clients > 250) {
      throw new RangeError(`Cannot emulate ${options.clients} clients: use 1 to 250`);
    }
    const prefix = options.prefix ?? `dfb${Deno.pid}`;
    if (prefix.length > 8) {
      throw new RangeError(`Cannot use prefix ${prefix}: at most 8 characters`);
    }
    const hosts = Array.from({ length: options.clients + 1 }, (_, index) => {
      const rate = index === 0 ? options.originRate ?? options.rate : options.rate;
      return { index, ns: `${prefix}-h${index}`, ip: `10.77.0.${index + 1}`, up: rate, down: rate };
    });
    const bed = new Testbed(prefix, hosts);
    try {
      await bed.#build();
    } catch (err) {
      await bed.destroy();
      throw err;
    }
    return bed;
  }

  async #build(): Promise<void> {
    const br = this.bridgeNs;
    await run("ip", ["netns", "add", br]);
    await run("ip", ["-n", br, "link", "add", "br0", "type", "bridge"]);
    await run("ip", ["-n", br, "link", "set", "br0", "up"]);
    // Bridged frames must not go through this namespace's iptables (no effect
    // when br_netfilter is not loaded, hence allowFail).
    for (const key of ["iptables", "ip6tables", "arptables"]) {
      await run("ip", [
        "netns",
        "exec",
        br,
        "sysctl",
        "-qw",
        `net.bridge.bridge-nf-call-${key}=0`,
      ], true);
    }
    for (const h of this.hosts) {
      const veth = `${this.prefix}v${h.index}`;
      const port = `${this.prefix}p${h.index}`;
      await run("ip", ["netns", "add", h.ns]);
      await run("ip", [
        "link",
        "add",
        veth,
        "netns",
        h.ns,
        "type",
        "veth",
        "peer",
        "name",
        port,
        "netns",
        br,
      ]);
      await run("ip", ["netns", "exec", h.ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
      await run("ip", ["-n", h.ns, "link", "set", veth, "name", "eth0"]);
      await run("ip", ["-n", h.ns, "addr", "add", `${h.ip}/24`, "dev", "eth0"]);
      await run("ip", ["-n", h.ns, "link", "set", "eth0", "up"]);
      await run("ip", ["-n", h.ns, "link", "set", "lo", "up"]);
      await run("ip", ["-n", br, "link", "set", port, "master", "br0", "up"]);
      await shape(h.ns, "eth0", h.up);
      await shape(br, port, h.down);
    }
  }

  /** Argument list that runs `program args` inside host `h`'s namespace. */
  exec(h: TestbedHost, program: string, args: string[]): [string, string[]] {
    return ["ip", ["netns", "exec", h.ns, program, ...args]];
  }

  /** TCP segments host `h` has sent and sent again (its namespace's `/proc/net/snmp`). */
  async tcpSegments(h: TestbedHost): Promise<TcpSegments> {
    const { stdout } = await run("ip", ["netns", "exec", h.ns, "cat", "/proc/net/snmp"]);
    return parseTcpSegments(stdout);
  }

  /**
   * Starts counting, from zero, the IP bytes each of `hosts` receives on eth0
   * from TCP source `port`s of address `from` (iptables rules with no target:
   * they only count). Counted where the bytes arrive, so a packet the
   * sender's queue dropped is not counted; received segments may be merged,
   * so most per-segment headers are not counted either.
   */
  async countReceivedFrom(hosts: TestbedHost[], from: string, ports: number[]): Promise<void> {
    await Promise.all(hosts.map(async (h) => {
      const counted = parseIptablesSportBytes((await iptables(h, "-nvxL", "INPUT")).stdout);
      for (const port of ports) {
        if (counted.has(port)) continue;
        const rule = ["-i", "eth0", "-p", "tcp", "-s", from, "--sport", `${port}`];
        await iptables(h, "-A", "INPUT", ...rule);
      }
      await iptables(h, "-Z", "INPUT");
    }));
  }

  /** Bytes per source port that `hosts` received since {@link countReceivedFrom}, summed. */
  async receivedFrom(hosts: TestbedHost[]): Promise<Map<number, number>> {
    const total = new Map<number, number>();
    const each = await Promise.all(
      hosts.map(async (h) => parseIptablesSportBytes((await iptables(h, "-nvxL", "INPUT")).stdout)),
    );
    for (const m of each) for (const [port, n] of m) total.set(port, (total.get(port) ?? 0) + n);
    return total;
  }

  /** Wire bytes host `h` has sent (its eth0 htb class counter). */
  async sentBytes(h: TestbedHost): Promise<number> {
    const { stdout } = await run("tc", ["-n", h.ns, "-s", "class", "show", "dev", "eth0"]);
    const m = /Sent (\d+) bytes/.exec(stdout);
    if (!m) throw new Error(`no tc counter on ${h.ns} eth0: ${stdout}`);
    return Number(m[1]);
  }

  /**
   * Bytes every host has sent and received so far, by host index: the
   * counters of its port on the bridge (one `ip` call for all hosts, so cheap
   * enough to sample a few times a second; they count frames, a little more
   * than the payload).
   */
  async portCounters(): Promise<Map<number, { sent: number; received: number }>> {
    const { stdout } = await run("ip", ["-n", this.bridgeNs, "-j", "-s", "link", "show"]);
    const links = JSON.parse(stdout) as {
      ifname: string;
      stats64?: { rx: { bytes: number }; tx: { bytes: number } };
    }[];
    const out = new Map<number, { sent: number; received: number }>();
    const port = new RegExp(`^${this.prefix}p(\\d+)$`);
    for (const link of links) {
      const m = port.exec(link.ifname);
      // What the host sends arrives on its bridge port (rx) and vice versa.
      if (m && link.stats64) {
        out.set(Number(m[1]), { sent: link.stats64.rx.bytes, received: link.stats64.tx.bytes });
      }
    }
    return out;
  }

  /**
   * Pids of all processes in the hosts' namespaces, by host index. Read from
   * `/proc/PID/ns/net` (no process spawned, so cheap enough to sample often).
   */
  async pidsByHost(): Promise<Map<number, number[]>> {
    const inodes = new Map<string, number>();
    for (const h of this.hosts) {
      const st = await Deno.stat(`/run/netns/${h.ns}`).catch(() => null);
      if (st?.ino) inodes.set(`net:[${st.ino}]`, h.index);
    }
    const out = new Map<number, number[]>(this.hosts.map((h) => [h.index, []]));
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const link = await Deno.readLink(`/proc/${entry.name}/ns/net`).catch(() => "");
      const index = inodes.get(link);
      if (index !== undefined) out.get(index)!.push(Number(entry.name));
    }
    return out;
  }

  /** Kills every process in the hosts' namespaces (TERM, then KILL after `graceMs`). */
  async killAll(graceMs = 2000): Promise<void> {
    const list = async () => [...(await this.pidsByHost()).values()].flat();
    const signal = (pids: number[], sig: Deno.Signal) => {
      for (const pid of pids) {
        try {
          Deno.kill(pid, sig);
        } catch { /* already gone */ }
      }
    };
    signal(await list(), "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if ((await list()).length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    signal(await list(), "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
  }

  /** Kills what runs inside and removes every namespace (and so every veth). */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await this.killAll().catch(() => {});
    for (const ns of [...this.hosts.map((h) => h.ns), this.bridgeNs]) {
      await run("ip", ["netns", "del", ns], true);
    }
  }
}

/** `iptables -w ARGS` inside host `h` (-w: wait for the xtables lock other hosts' calls hold). */
function iptables(h: TestbedHost, ...args: string[]) {
  return run("ip", ["netns", "exec", h.ns, "iptables", "-w", ...args]);
}

/** htb with one class at `rate` and a byte-limited fifo under it, on `dev`'s egress. */
async function shape(ns: string, dev: string, rate: number): Promise<void> {
  await run("tc", [
    "-n",
    ns,
    "qdisc",
    "add",
    "dev",
    dev,
    "root",
    "handle",
    "1:",
    "htb",
    "default",
    "1",
  ]);
  await run("tc", [
    "-n",
    ns,
    "class",
    "add",
    "dev",
    dev,
    "parent",
    "1:",
    "classid",
    "1:1",
    "htb",
    "rate",
    tcRate(rate),
    "ceil",
    tcRate(rate),
  ]);
  await run("tc", [
    "-n",
    ns,
    "qdisc",
    "add",
    "dev",
    dev,
    "parent",
    "1:1",
    "handle",
    "10:",
    "bfifo",
    "limit",
    String(fifoLimitBytes(rate)),
  ]);
}
