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
    "mirror: skopeo via two agents at once (each layer leaves the registry ~once); manifests unchanged; Range; streaming; tracker stopped",
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

    // Streaming: the first bytes arrive while the blob is still downloading. A rate-limited
    // agent makes "still downloading" last long enough to look at.
    // (startAgent's own "--download-limit 0" comes first; the last value wins.)
    const slowLimited = await startAgent(
      h,
      "agent-slow",
      tracker.url,
      ...proxyArgs,
      "--download-limit",
      "5MiB",
    );
    const streamed = await fetch(
      `${await proxyUrlOf(slowLimited)}/v2/dfly/app/blobs/${big.digest}`,
    );
    assert.equal(streamed.status, 200);
    const reader = streamed.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done && first.value.byteLength > 0);
    const taskId = streamed.headers.get("x-dfly-task-id");
    const task = await (await fetch(`${slowLimited.url}/api/v1/tasks/${taskId}`)).json();
    assert.ok(!task.complete && task.pieces < task.pieceCount, JSON.stringify(task));
    let got = first.value.byteLength;
    for (let r = await reader.read(); !r.done; r = await reader.read()) got += r.value.byteLength;
    assert.equal(got, big.size);

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

Deno.test({
  name:
    "mirror with htpasswd auth: challenges relayed as is; no credentials → 401 even once cached",
  ignore: skip !== null,
  async fn() {
    await using h = new Harness();
    const registry = await startRegistry(h, { user: "alice", password: "s3cret" });
    const image = await makeImage(h, [6 * MiB]);
    await pushImage(h, image, registry, "private/app", "alice:s3cret");
    const tracker = await startTracker(h);
    const proxyArgs = ["--proxy", "127.0.0.1:0", "--registry", registry.url];
    const [a, b] = await Promise.all(
      ["a", "b"].map((n) => startAgent(h, `agent-${n}`, tracker.url, ...proxyArgs)),
    );
    const [proxyA, proxyB] = await Promise.all([a, b].map(proxyUrlOf));

    // The challenge is the registry's own.
    const [direct, via] = await Promise.all(
      [registry.url, proxyA].map((base) => fetch(`${base}/v2/`)),
    );
    await Promise.all([direct.body?.cancel(), via.body?.cancel()]);
    assert.equal(via.status, 401);
    assert.equal(via.headers.get("www-authenticate"), direct.headers.get("www-authenticate"));

    const out = await h.tempDir("dfly-pull-");
    const pull = await skopeoCopy(h, "skopeo-auth", [
      "--src-tls-verify=false",
      "--src-creds",
      "alice:s3cret",
      `docker://${new URL(proxyA).host}/private/app:v1`,
      `oci:${out}:v1`,
    ]);
    assert.equal(pull.code, 0, pull.stderr);
    const layer = image.layers[0];
    assert.equal((await pulledBlobs(out)).get(layer.digest), layer.size);

    const blobPath = `/v2/private/app/blobs/${layer.digest}`;
    const basic = `Basic ${btoa("alice:s3cret")}`;
    for (const proxy of [proxyA, proxyB]) {
      for (const auth of [null, `Basic ${btoa("alice:wrong")}`]) {
        const res = await fetch(`${proxy}${blobPath}`, {
          headers: auth ? { authorization: auth } : {},
        });
        const body = await res.text();
        assert.equal(res.status, 401, `${proxy} auth=${auth}: ${body.slice(0, 200)}`);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Basic realm="dfly-test"/);
        assert.ok(body.length < 1000, "an error body, not blob bytes");
      }
    }
    // The agent that never pulled it gets it from its peer once the caller proves access.
    const ok = await fetch(`${proxyB}${blobPath}`, { headers: { authorization: basic } });
    const bytes = new Uint8Array(await ok.arrayBuffer());
    assert.equal(ok.status, 200);
    assert.equal(bytes.byteLength, layer.size);
    assert.equal(ok.headers.get("docker-content-digest"), layer.digest);
    // A blob that is not there: the registry's 404, not ours.
    const missing = await fetch(`${proxyB}/v2/private/app/blobs/sha256:${"0".repeat(64)}`, {
      headers: { authorization: basic },
    });
    const missingBody = await missing.text();
    assert.equal(missing.status, 404);
    assert.match(missingBody, /BLOB_UNKNOWN/);
  },
});

Deno.test({
  name:
    "HTTP proxy mode: rule-matching URLs through P2P, others forwarded, CONNECT tunnelled, --proxy-allow enforced",
  ignore: skip !== null,
  async fn() {
    await using h = new Harness();
    const registry = await startRegistry(h);
    const image = await makeImage(h, [5 * MiB]);
    await pushImage(h, image, registry, "dfly/tool");
    const tracker = await startTracker(h);
    const open = await startAgent(h, "agent-open", tracker.url, "--proxy", "127.0.0.1:0");
    const strict = await startAgent(
      h,
      "agent-strict",
      tracker.url,
      "--proxy",
      "127.0.0.1:0",
      "--proxy-allow",
      "registry.example",
    );
    const [openProxy, strictProxy] = await Promise.all([open, strict].map(proxyUrlOf));
    const layer = image.layers[0];
    const blobUrl = `${registry.url}/v2/dfly/tool/blobs/${layer.digest}`;
    const manifestUrl = `${registry.url}/v2/dfly/tool/manifests/v1`;

    const viaProxy = (proxy: string) =>
      Deno.createHttpClient({ proxy: { url: proxy }, poolMaxIdlePerHost: 0 });
    using client = viaProxy(openProxy);
    const blob = await fetch(blobUrl, { client });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    assert.equal(blob.status, 200);
    assert.equal(bytes.byteLength, layer.size);
    assert.ok(blob.headers.get("x-dfly-task-id"), "the blob went through P2P");
    const manifest = await fetch(manifestUrl, {
      client,
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    await manifest.body?.cancel();
    assert.equal(manifest.status, 200);
    assert.equal(manifest.headers.get("x-dfly-task-id"), null, "manifests are forwarded");

    // CONNECT: a byte tunnel to the target.
    const port = Number(new URL(openProxy).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      new TextEncoder().encode(
        `CONNECT ${registry.host} HTTP/1.1\r\nHost: ${registry.host}\r\n\r\n` +
          `GET /v2/ HTTP/1.1\r\nHost: ${registry.host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let text = "";
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    conn.close();
    assert.match(text, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);

    // --proxy-allow: hosts outside it are refused, for plain requests and CONNECT alike.
    using strictClient = viaProxy(strictProxy);
    const refused = await fetch(blobUrl, { client: strictClient });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).error, /not in --proxy-allow/);
    const strictConn = await Deno.connect({
      hostname: "127.0.0.1",
      port: Number(new URL(strictProxy).port),
    });
    await strictConn.write(
      new TextEncoder().encode(
        `CONNECT ${registry.host} HTTP/1.1\r\nHost: ${registry.host}\r\n\r\n`,
      ),
    );
    const n = await strictConn.read(buf);
    strictConn.close();
    assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 403/);
  },
});

Deno.test({
  name:
    "mirror: a blob whose bytes do not match its digest is never completed nor handed out whole",
  ignore: skip !== null,
  async fn() {
    await using h = new Harness();
    const registry = await startRegistry(h);
    const image = await makeImage(h, [6 * MiB]);
    await pushImage(h, image, registry, "dfly/bad");
    const layer = image.layers[0];
    // Same length, one byte flipped: the registry serves it without noticing.
    const file = await Deno.open(registry.blobFile(layer.digest), { read: true, write: true });
    await file.seek(5 * MiB, Deno.SeekMode.Start);
    await file.write(new Uint8Array([0x5a, 0xa5, 0x5a]));
    file.close();
    const tracker = await startTracker(h);
    // The request has no credentials, so the tracker sends the seed to the registry first.
    const seed = await startAgent(h, "seed", tracker.url, "--seed");
    const agent = await startAgent(
      h,
      "agent",
      tracker.url,
      "--proxy",
      "127.0.0.1:0",
      "--registry",
      registry.url,
    );
    const proxy = await proxyUrlOf(agent);
    const res = await fetch(`${proxy}/v2/dfly/bad/blobs/${layer.digest}`);
    assert.equal(res.status, 200, "headers go out once the first piece is verified");
    await assert.rejects(res.arrayBuffer(), "the body is cut before its end");
    // The seed hashes its copy at about the time the agent does.
    for (let i = 0; i < 100 && !/whole-file digest mismatch/.test(seed.stderr()); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const a of [agent, seed]) {
      const tasks = (await (await fetch(`${a.url}/api/v1/tasks`)).json()).tasks as {
        complete: boolean;
      }[];
      assert.ok(tasks.every((t) => !t.complete), `${a.name}: ${JSON.stringify(tasks)}`);
    }
    assert.match(agent.stderr(), /whole-file digest mismatch/);
    assert.match(seed.stderr(), /seeding task/);
    assert.match(seed.stderr(), /whole-file digest mismatch/);
  },
});
