/**
 * @module proc_counters — parsers for the counters the benchmarks read:
 * `/proc/stat` (machine CPU busy share), `/proc/PID/stat` (a process's CPU
 * time), `/proc/PID/status` (RSS), `tc -s` output (wire bytes a qdisc or
 * class sent) and bash's `times` (CPU of a finished command). Pure: they
 * take text and return numbers; the I/O is the caller's.
 */

/** Aggregate CPU jiffies from the first line of `/proc/stat`. */
export interface CpuTimes {
  /** idle + iowait. */
  idle: number;
  /** All fields summed (guest time is already inside user/nice). */
  total: number;
}

/** Parses the `cpu ` line of `/proc/stat`. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new TypeError("Cannot read /proc/stat as it has no aggregate cpu line");
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle: f[3] + (f[4] ?? 0), total };
}

/**
 * Share of CPU time spent busy between two `/proc/stat` samples, 0–100.
 *
 * @example
 * ```ts
 * import { cpuBusyPercent } from "./proc_counters.ts";
 * const p = cpuBusyPercent({ idle: 100, total: 200 }, { idle: 150, total: 400 });
 * if (p !== 75) throw new Error(String(p));
 * ```
 */
export function cpuBusyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return (100 * (total - (after.idle - before.idle))) / total;
}

/** utime + stime of one `/proc/PID/stat` line, in clock ticks. */
export function parsePidStatTicks(text: string): number {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new TypeError("Cannot read /proc/PID/stat as utime/stime are missing");
  }
  return utime + stime;
}

/** VmRSS of `/proc/PID/status`, in bytes; null when the process has none (zombie). */
export function parseRssBytes(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/**
 * Bytes sent by the first qdisc or class in `tc -s qdisc|class show` output.
 *
 * @example
 * ```ts
 * import { parseTcSentBytes } from "./proc_counters.ts";
 * const out = "class htb 1:1 root leaf 10: prio 0 rate 100Mbit\n Sent 12345 bytes 9 pkt (dropped 0)";
 * if (parseTcSentBytes(out) !== 12345) throw new Error();
 * ```
 */
export function parseTcSentBytes(text: string): number {
  const m = /Sent (\d+) bytes/.exec(text);
  if (!m) throw new TypeError("Cannot read tc statistics as no 'Sent N bytes' line is present");
  return Number(m[1]);
}

/**
 * Bytes per TCP source port from `iptables -nvxL CHAIN` (rules with no
 * target, one per port, that only count). Ports without a rule are absent.
 *
 * @example
 * ```ts
 * import { parseIptablesSportBytes } from "./proc_counters.ts";
 * const text = "Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" +
 *   "    pkts      bytes target     prot opt in     out     source               destination\n" +
 *   "      12     4096            6    --  *      eth0    0.0.0.0/0            0.0.0.0/0            tcp spt:8002\n";
 * if (parseIptablesSportBytes(text).get(8002) !== 4096) throw new Error();
 * ```
 */
export function parseIptablesSportBytes(text: string): Map<number, number> {
  const bytes = new Map<number, number>();
  for (const line of text.split("\n")) {
    const port = /\bspt:(\d+)\b/.exec(line);
    const counts = /^\s*(\d+)\s+(\d+)\s/.exec(line);
    if (port && counts) {
      const p = Number(port[1]);
      bytes.set(p, (bytes.get(p) ?? 0) + Number(counts[2]));
    }
  }
  return bytes;
}

/** A network namespace's TCP segment counters (`/proc/net/snmp`). */
export interface TcpSegments {
  /** Segments sent, retransmissions excluded. */
  out: number;
  /** Segments sent again. */
  retrans: number;
}

/**
 * TCP `OutSegs` and `RetransSegs` from `/proc/net/snmp`, whose `Tcp:` lines
 * are a header line of names and a line of values.
 *
 * @example
 * ```ts
 * import { parseTcpSegments } from "./proc_counters.ts";
 * const text = "Tcp: InSegs OutSegs RetransSegs\nTcp: 10 20 3\n";
 * const { out, retrans } = parseTcpSegments(text);
 * if (out !== 20 || retrans !== 3) throw new Error();
 * ```
 */
export function parseTcpSegments(text: string): TcpSegments {
  const [names, values] = text.split("\n").filter((l) => l.startsWith("Tcp:"))
    .map((l) => l.trim().split(/\s+/).slice(1));
  const at = (name: string) => {
    const i = names?.indexOf(name) ?? -1;
    const v = i >= 0 ? Number(values?.[i]) : NaN;
    if (!Number.isFinite(v)) {
      throw new TypeError(`Cannot read ${name} as /proc/net/snmp has no such Tcp counter`);
    }
    return v;
  };
  return { out: at("OutSegs"), retrans: at("RetransSegs") };
}

/** Line a wrapped command prints before bash's `times` (see {@link parseBashTimes}). */
export const TIMES_MARKER = "@@dfly-times@@";

/**
 * `bash` arguments that run `command` and then print its CPU time (after
 * {@link TIMES_MARKER}, for {@link parseBashTimes}) on stderr, keeping its
 * exit status.
 *
 * @example
 * ```ts
 * import { bashTimedArgs } from "./proc_counters.ts";
 * const args = bashTimedArgs(["true"]);
 * if (args[0] !== "-c" || args.at(-1) !== "true") throw new Error(args.join(" "));
 * ```
 */
export function bashTimedArgs(command: string[]): string[] {
  const script = `"$@"; rc=$?; echo ${TIMES_MARKER} >&2; times >&2; exit $rc`;
  return ["-c", script, "_", ...command];
}

/**
 * CPU seconds (user + system) of a shell's children from bash's `times`
 * output after {@link TIMES_MARKER}: its last line, e.g. `0m1.250s 0m0.500s`.
 *
 * @example
 * ```ts
 * import { parseBashTimes, TIMES_MARKER } from "./proc_counters.ts";
 * const s = parseBashTimes(`noise\n${TIMES_MARKER}\n0m0.010s 0m0.000s\n0m1.250s 0m0.500s\n`);
 * if (s !== 1.75) throw new Error(String(s));
 * ```
 */
export function parseBashTimes(text: string): number {
  const at = text.lastIndexOf(TIMES_MARKER);
  const tail = at >= 0 ? text.slice(at + TIMES_MARKER.length) : text;
  const lines = tail.trim().split("\n").filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l.trim()));
  const line = lines.at(-1);
  if (!line) throw new TypeError("Cannot read bash times output as it has no 'XmY.YYYs' line");
  return line.trim().split(" ").reduce((sum, part) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(part)!;
    return sum + Number(m[1]) * 60 + Number(m[2]);
  }, 0);
}
