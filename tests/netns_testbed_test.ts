/**
 * @module netns_testbed_test — the swarm benchmark's emulated LAN
 * (scripts/testbed/netns.ts) with real namespaces, veths and htb: a client
 * host reaches the origin host only through its shaped link, the origin's tc
 * counter sees the wire bytes, and destroy() leaves no namespace and no
 * process behind. Skips (with the reason) when not root or when the kernel
 * refuses network namespaces.
 */
import assert from "node:assert/strict";
import { Harness, ROOT } from "./_harness.ts";
import { run, Testbed } from "../scripts/testbed/netns.ts";

async function skipReason(): Promise<string | null> {
  if (Deno.uid() !== 0) return "needs root (network namespaces, tc)";
  for (const program of ["ip", "tc"]) {
    const found = await run("bash", ["-c", `command -v ${program}`], true).catch(() => null);
    if (found?.code !== 0) return `needs ${program} (Debian iproute2)`;
  }
  const probe = `dfbprobe${Deno.pid}`;
  const made = await run("ip", ["netns", "add", probe], true);
  if (made.code !== 0) return `cannot create network namespaces here: ${made.stderr.trim()}`;
  await run("ip", ["netns", "del", probe], true);
  return null;
}

const reason = await skipReason();
if (reason) console.log(`netns_testbed_test skipped: ${reason}`);

Deno.test({
  name: "Testbed shapes a client's link, counts the origin's wire bytes and tears down fully",
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const rate = 20e6 / 8; // 20 Mbit/s
    const bed = await Testbed.create({ clients: 1, rate, prefix: `dft${Deno.pid % 100000}` });
    const size = 2 * 2 ** 20;
    try {
      await using h = new Harness();
      const [program, args] = bed.exec(bed.origin, Deno.execPath(), [
        "run",
        "-A",
        `${ROOT}scripts/origin.ts`,
        "--listen",
        `${bed.origin.ip}:8080`,
        "--size",
        "2MiB",
      ]);
      const origin = await h.spawnCommand("origin", program, args, { timeoutMs: 60_000 });
      assert.equal(origin.url, `http://${bed.origin.ip}:8080`);
      const sentBefore = await bed.sentBytes(bed.origin);
      const fetchScript = `const t = performance.now();
        const b = await (await fetch("${origin.url}/file.bin")).arrayBuffer();
        console.log(JSON.stringify({ bytes: b.byteLength, ms: performance.now() - t }));`;
      const client = await run(
        ...bed.exec(bed.clients[0], Deno.execPath(), ["eval", fetchScript]),
      );
      const got = JSON.parse(client.stdout.trim()) as { bytes: number; ms: number };
      assert.equal(got.bytes, size);
      // 2 MiB cannot cross a 20 Mbit/s link in less than ~0.84 s (a loaded machine only adds).
      assert.ok(got.ms >= 0.8 * (size / rate) * 1000, `too fast for the shaper: ${got.ms} ms`);
      const wire = (await bed.sentBytes(bed.origin)) - sentBefore;
      assert.ok(wire >= size && wire < size * 1.1, `origin wire bytes ${wire}`);
      // The root namespace has neither an address nor a route of the testbed.
      assert.ok(!(await run("ip", ["-o", "-4", "addr", "show"])).stdout.includes("10.77.0."));
      assert.equal((await run("ip", ["route", "show", "10.77.0.0/24"])).stdout.trim(), "");
      assert.ok((await bed.pidsByHost()).get(0)!.length > 0);
    } finally {
      await bed.destroy();
    }
    const left = (await run("ip", ["netns", "list"])).stdout;
    assert.ok(!left.includes(bed.prefix), `namespaces left: ${left}`);
    assert.deepEqual([...(await bed.pidsByHost()).values()].flat(), []);
  },
});
