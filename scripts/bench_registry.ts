/**
 * @module bench_registry — benchmark of the registry mirror: N skopeo pulls
 * of one image at once straight from a registry vs through N agents' mirrors
 * (`--proxy`), measured in the same run; then time to first byte of the
 * largest layer through a mirror (cold: nobody holds it; warm: peers do)
 * vs straight from the registry. The registry is Debian's docker-registry on
 * loopback and egress is read from its own access log.
 *
 * ```sh
 * deno run -A scripts/bench_registry.ts [--layers 256MiB,64MiB,16MiB] [--agents 8]
 * ```
 *
 * Everything shares this machine's cores, so pull times are CPU-bound and
 * noisy; registry egress is exact.
 */
import { parseScriptArgs } from "./args.ts";
import { Harness } from "../tests/_harness.ts";
import {
  makeImage,
  proxyUrlOf,
  pulledBlobs,
  pushImage,
  registrySkipReason,
  skopeoCopy,
  startRegistry,
  type TestRegistry,
} from "../tests/_registry.ts";
import { startAgent, startTracker } from "../tests/_swarm.ts";
import { parseSize } from "../util/units.ts";

const { values } = parseScriptArgs("bench_registry", {
  options: {
    layers: { type: "string", default: "256MiB,64MiB,16MiB" },
    agents: { type: "string", default: "8" },
  },
});
const skip = registrySkipReason();
if (skip) {
  console.error(`bench_registry: ${skip}`);
  Deno.exit(1);
}
const sizes = values.layers!.split(",").map((s) => parseSize(s.trim()));
const n = Number(values.agents);
const MB = 1e6;

function totalEgress(registry: TestRegistry): number {
  return [...registry.blobEgress().values()].reduce((a, b) => a + b, 0);
}

/** N pulls at once from `hosts[i]`; seconds to the last completion. */
async function pullAll(h: Harness, hosts: string[], label: string): Promise<number> {
  const outs = await Promise.all(hosts.map(() => h.tempDir("dfly-bench-pull-")));
  const started = performance.now();
  const results = await Promise.all(hosts.map((host, i) =>
    skopeoCopy(h, `${label}-${i}`, [
      "--src-tls-verify=false",
      `docker://${host}/bench/app:v1`,
      `oci:${outs[i]}:v1`,
    ], 600_000)
  ));
  const seconds = (performance.now() - started) / 1000;
  for (const r of results) if (r.code !== 0) throw new Error(`${label} pull failed:\n${r.stderr}`);
  for (const out of outs) {
    await pulledBlobs(out); // every blob's name checked against its bytes
    await Deno.remove(out, { recursive: true });
  }
  return seconds;
}

/** Time to first byte and to the end of one GET. */
async function timeGet(url: string): Promise<{ ttfb: number; total: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const reader = res.body.getReader();
  let first = await reader.read();
  const ttfb = performance.now() - started;
  let bytes = 0;
  while (!first.done) {
    bytes += first.value.byteLength;
    first = await reader.read();
  }
  return { ttfb: ttfb / 1000, total: (performance.now() - started) / 1000, bytes };
}

await using h = new Harness();
const registry = await startRegistry(h);
const image = await makeImage(h, sizes);
await pushImage(h, image, registry, "bench/app");
const imageBytes = image.layers.reduce((s, l) => s + l.size, 0) + image.config.size;
console.error(
  `image: ${image.layers.length} layers, ${(imageBytes / MB).toFixed(1)} MB; ${n} clients`,
);

// A: every client straight from the registry.
let before = totalEgress(registry);
const directSeconds = await pullAll(h, Array(n).fill(registry.host), "direct");
const directEgress = totalEgress(registry) - before;

const directByBlob = registry.blobEgress();

// B: every client through its own agent's mirror.
const tracker = await startTracker(h);
const proxyArgs = ["--proxy", "127.0.0.1:0", "--registry", registry.url];
const agents = await Promise.all(
  Array.from({ length: n }, (_, i) => startAgent(h, `agent-${i}`, tracker.url, ...proxyArgs)),
);
const proxies = await Promise.all(agents.map(proxyUrlOf));
before = totalEgress(registry);
const dflySeconds = await pullAll(h, proxies.map((p) => new URL(p).host), "dfly");
const dflyEgress = totalEgress(registry) - before;
const dflyByBlob = registry.blobEgress();

// TTFB of the largest layer.
const big = image.layers.reduce((a, b) => (b.size > a.size ? b : a));
const path = `/v2/bench/app/blobs/${big.digest}`;
const direct = await timeGet(`${registry.url}${path}`);
const warmAgent = await startAgent(h, "agent-warm", tracker.url, ...proxyArgs);
const warm = await timeGet(`${await proxyUrlOf(warmAgent)}${path}`);
const coldTracker = await startTracker(h);
const coldAgent = await startAgent(h, "agent-cold", coldTracker.url, ...proxyArgs);
const cold = await timeGet(`${await proxyUrlOf(coldAgent)}${path}`);
for (const r of [direct, warm, cold]) {
  if (r.bytes !== big.size) throw new Error(`got ${r.bytes} of ${big.size} bytes`);
}

const copies = (b: number) => (b / imageBytes).toFixed(2);
console.log(`\n${n} pulls of one ${(imageBytes / MB).toFixed(0)} MB image at once`);
console.log("| path | time to last completion | registry egress (blobs) | copies of the image |");
console.log("| --- | --- | --- | --- |");
console.log(
  `| straight from the registry | ${directSeconds.toFixed(2)} s | ${
    (directEgress / MB).toFixed(1)
  } MB | ${copies(directEgress)} |`,
);
console.log(
  `| through ${n} dfly mirrors | ${dflySeconds.toFixed(2)} s | ${
    (dflyEgress / MB).toFixed(1)
  } MB | ${copies(dflyEgress)} |`,
);
console.log("\nregistry egress per layer, in copies of the layer (direct / through dfly)");
for (const layer of image.layers) {
  const d = directByBlob.get(layer.digest) ?? 0;
  const p = (dflyByBlob.get(layer.digest) ?? 0) - d;
  console.log(
    `- ${(layer.size / MB).toFixed(1)} MB: ${(d / layer.size).toFixed(2)} / ${
      (p / layer.size).toFixed(2)
    }`,
  );
}
console.log(`\nGET of the ${(big.size / MB).toFixed(0)} MB layer`);
console.log("| path | time to first byte | time to last byte |");
console.log("| --- | --- | --- |");
for (
  const [label, r] of [
    ["straight from the registry", direct],
    ["mirror, cold (nobody holds it: agent goes to the registry)", cold],
    ["mirror, warm (a fresh agent; peers hold it)", warm],
  ] as const
) {
  console.log(`| ${label} | ${(r.ttfb * 1000).toFixed(0)} ms | ${r.total.toFixed(2)} s |`);
}
