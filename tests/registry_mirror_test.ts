/**
 * End-to-end: container images through the agent's registry mirror, with a
 * real registry (Debian's docker-registry) and a real client (skopeo).
 * Skipped with a reason when those programs are missing; CI installs them.
 */
import assert from "node:assert/strict";
import { Harness } from "./_harness.ts";
import {
  makeImage,
  proxyUrlOf,
  pulledBlobs,
  pushImage,
  registrySkipReason,
  skopeoCopy,
  startRegistry,
} from "./_registry.ts";
import { startAgent, startTracker } from "./_swarm.ts";

const skip = registrySkipReason();
if (skip) console.log(`registry mirror tests skipped: ${skip}`);
const MiB = 1 << 20;

Deno.test({
  name:
    "mirror: skopeo pulls through two agents at once, each layer leaves the registry about once",
  ignore: skip !== null,
  async fn() {
    await using h = new Harness();
    const registry = await startRegistry(h);
    const image = await makeImage(h, [33 * MiB, 3 * MiB, 200 * 1024]);
    await pushImage(h, image, registry, "dfly/app");
    const tracker = await startTracker(h);
    const proxyArgs = ["--proxy", "127.0.0.1:0", "--registry", registry.url];
    const agents = await Promise.all(
      ["a", "b"].map((n) => startAgent(h, `agent-${n}`, tracker.url, ...proxyArgs)),
    );
    const proxies = await Promise.all(agents.map(proxyUrlOf));
    const pushEgress = registry.blobEgress();
    assert.equal(pushEgress.size, 0, "pushing reads no blob back");

    const outs = await Promise.all(proxies.map(() => h.tempDir("dfly-pull-")));
    const pulls = await Promise.all(proxies.map((p, i) =>
      skopeoCopy(h, `skopeo-pull-${i}`, [
        "--src-tls-verify=false",
        `docker://${new URL(p).host}/dfly/app:v1`,
        `oci:${outs[i]}:v1`,
      ])
    ));
    for (const pull of pulls) assert.equal(pull.code, 0, pull.stderr);
    for (const out of outs) {
      const blobs = await pulledBlobs(out);
      for (const blob of [...image.layers, image.config]) {
        assert.equal(blobs.get(blob.digest), blob.size, `${blob.digest} pulled whole`);
      }
    }
    const egress = registry.blobEgress();
    for (const layer of image.layers) {
      const sent = egress.get(layer.digest) ?? 0;
      assert.ok(
        sent <= 1.2 * layer.size,
        `layer ${layer.digest.slice(7, 19)} (${layer.size} B) left the registry ${sent} B`,
      );
    }
    const fromPeers = await Promise.all(agents.map(async (a) => {
      const tasks = (await (await fetch(`${a.url}/api/v1/tasks`)).json()).tasks as {
        fromPeers: number;
      }[];
      return tasks.reduce((s, t) => s + t.fromPeers, 0);
    }));
    assert.ok(fromPeers.some((b) => b > 0), `some bytes came from peers: ${fromPeers}`);

    // Manifests and the API root pass through unchanged.
    for (const path of ["/v2/", "/v2/dfly/app/manifests/v1", "/v2/dfly/app/tags/list"]) {
      const accept = "application/vnd.oci.image.manifest.v1+json";
      const [direct, via] = await Promise.all(
        [registry.url, proxies[0]].map((base) => fetch(`${base}${path}`, { headers: { accept } })),
      );
      const [a, b] = await Promise.all([direct.text(), via.text()]);
      assert.equal(via.status, direct.status, path);
      assert.equal(b, a, path);
      for (
        const name of ["docker-content-digest", "content-type", "docker-distribution-api-version"]
      ) {
        assert.equal(via.headers.get(name), direct.headers.get(name), `${path} ${name}`);
      }
    }

    // A Range request on a blob: 206 with the right bytes and Content-Range.
    const big = image.layers[0];
    const bytes = await Deno.readFile(`${image.dir}/blobs/sha256/${big.digest.slice(7)}`);
    const start = 5 * MiB - 100;
    const end = 9 * MiB + 50; // inclusive; spans pieces 1 and 2
    const ranged = await fetch(`${proxies[1]}/v2/dfly/app/blobs/${big.digest}`, {
      headers: { range: `bytes=${start}-${end}` },
    });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get("content-range"), `bytes ${start}-${end}/${big.size}`);
    assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), bytes.subarray(start, end + 1));
    const tooFar = await fetch(`${proxies[1]}/v2/dfly/app/blobs/${big.digest}`, {
      headers: { range: `bytes=${big.size}-` },
    });
    await tooFar.body?.cancel();
    assert.equal(tooFar.status, 416);

    // With the tracker gone, a fresh agent still pulls (straight from the registry).
    await tracker.kill("SIGKILL");
    const lone = await startAgent(h, "agent-lone", tracker.url, ...proxyArgs);
    const loneOut = await h.tempDir("dfly-pull-");
    const lonePull = await skopeoCopy(h, "skopeo-lone", [
      "--src-tls-verify=false",
      `docker://${new URL(await proxyUrlOf(lone)).host}/dfly/app:v1`,
      `oci:${loneOut}:v1`,
    ]);
    assert.equal(lonePull.code, 0, lonePull.stderr);
    assert.equal((await pulledBlobs(loneOut)).get(big.digest), big.size);
  },
});
