import assert from "node:assert/strict";
import {
  cpuBusyPercent,
  parseBashTimes,
  parseIptablesSportBytes,
  parsePidStatTicks,
  parseProcStat,
  parseRssBytes,
  parseTcpSegments,
  parseTcSentBytes,
  TIMES_MARKER,
} from "./proc_counters.ts";

Deno.test("parseProcStat() sums the first eight fields and counts iowait as idle", () => {
  const t = parseProcStat("cpu  10 1 5 80 4 0 0 0 0 0\ncpu0 5 0 2 40 2 0 0 0 0 0\n");
  assert.deepEqual(t, { idle: 84, total: 100 });
  assert.throws(() => parseProcStat("intr 1 2 3"), TypeError);
});

Deno.test("cpuBusyPercent() of two samples, 0 when no time passed", () => {
  assert.equal(cpuBusyPercent({ idle: 0, total: 0 }, { idle: 25, total: 100 }), 75);
  assert.equal(cpuBusyPercent({ idle: 5, total: 10 }, { idle: 5, total: 10 }), 0);
});

Deno.test("parsePidStatTicks() survives spaces and parentheses in the command name", () => {
  const fields = ["S", "1", "1", "1", "0", "-1", "4194560", "100", "0", "0", "0", "250", "30"];
  assert.equal(parsePidStatTicks(`42 (deno) ${fields.join(" ")} 0 0 20 0`), 280);
  assert.equal(parsePidStatTicks(`42 (we(ird) name) ${fields.join(" ")} 0 0`), 280);
  assert.throws(() => parsePidStatTicks("42 (x) S 1"), TypeError);
});

Deno.test("parseRssBytes() reads VmRSS in bytes, null without it", () => {
  assert.equal(parseRssBytes("Name:\tdeno\nVmRSS:\t  71234 kB\nThreads: 9\n"), 71234 * 1024);
  assert.equal(parseRssBytes("Name:\tzombie\n"), null);
});

Deno.test("parseTcSentBytes() takes the first counter of tc -s output", () => {
  const out = "class htb 1:1 root leaf 10: prio 0 rate 100Mbit ceil 100Mbit burst 1600b\n" +
    " Sent 26139804 bytes 17270 pkt (dropped 0, overlimits 429 requeues 0)\n backlog 0b 0p\n";
  assert.equal(parseTcSentBytes(out), 26139804);
  assert.throws(() => parseTcSentBytes("no stats"), TypeError);
});

Deno.test("parseBashTimes() sums the children's line after the marker", () => {
  const text =
    `curl: (7) nope 0m9.000s 0m9.000s\n${TIMES_MARKER}\n0m0.002s 0m0.001s\n1m2.500s 0m0.250s\n`;
  assert.equal(parseBashTimes(text), 62.75);
  assert.throws(() => parseBashTimes(`${TIMES_MARKER}\n`), TypeError);
});

Deno.test("parseTcpSegments() reads OutSegs and RetransSegs by name", () => {
  const text = "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails " +
    "EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n" +
    "Tcp: 1 200 120000 -1 5 7 0 0 2 1500 1800 42 0 3 0\n";
  assert.deepEqual(parseTcpSegments(text), { out: 1800, retrans: 42 });
  assert.throws(() => parseTcpSegments("Ip: 1\n"), TypeError);
});

Deno.test("parseIptablesSportBytes() sums the byte counters of port rules and skips others", () => {
  const text = [
    "Chain OUTPUT (policy ACCEPT 120 packets, 99999 bytes)",
    "    pkts      bytes target     prot opt in     out     source               destination",
    "     300   412000            6    --  *      eth0    0.0.0.0/0            0.0.0.0/0            tcp spt:8002",
    "   40000 55000000            6    --  *      eth0    0.0.0.0/0            0.0.0.0/0            tcp spt:65002",
    "       5      300            6    --  *      eth0    0.0.0.0/0            0.0.0.0/0            tcp dpt:8002",
    "",
  ].join("\n");
  assert.deepEqual([...parseIptablesSportBytes(text)], [[8002, 412000], [65002, 55000000]]);
  assert.equal(parseIptablesSportBytes("").size, 0);
});
