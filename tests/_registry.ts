/**
 * @module _registry — end-to-end helpers around real Debian programs: a
 * `docker-registry` (distribution) on loopback with a temp storage dir and
 * optional htpasswd auth, a synthetic multi-layer OCI image, `skopeo copy`,
 * and the registry's own access log as the measure of egress.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Harness, Proc } from "./_harness.ts";

/** Programs these tests drive; missing ones make the tests skip. */
export const REGISTRY_BINARIES = [
  "/usr/bin/docker-registry",
  "/usr/bin/skopeo",
  "/usr/bin/htpasswd",
];

/** Why registry tests cannot run here, or null when they can. */
export function registrySkipReason(): string | null {
  const missing = REGISTRY_BINARIES.filter((p) => {
    try {
      return !Deno.statSync(p).isFile;
    } catch {
      return true;
    }
  });
  return missing.length > 0
    ? `needs ${missing.join(", ")} (apt-get install docker-registry skopeo apache2-utils)`
    : null;
}

/** A running registry. */
export interface TestRegistry {
  proc: Proc;
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  /** Where a blob's bytes sit in the registry's filesystem storage. */
  blobFile(digest: string): string;
  /** Body bytes the registry wrote for GETs of each blob digest, from its access log. */
  blobEgress(): Map<string, number>;
}

/** A port that was free a moment ago. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts docker-registry with filesystem storage; `auth` turns on htpasswd basic auth. */
export async function startRegistry(
  h: Harness,
  auth?: { user: string; password: string },
): Promise<TestRegistry> {
  const dir = await h.tempDir("dfly-registry-");
  const port = freePort();
  let authYaml = "";
  if (auth) {
    const out = await new Deno.Command("/usr/bin/htpasswd", {
      args: ["-Bbn", auth.user, auth.password],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    await Deno.writeFile(`${dir}/htpasswd`, out.stdout);
    authYaml = `auth:\n  htpasswd:\n    realm: dfly-test\n    path: ${dir}/htpasswd\n`;
  }
  await Deno.writeTextFile(
    `${dir}/config.yml`,
    `version: 0.1
log:
  level: info
  formatter: json
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/data
  delete:
    enabled: false
http:
  addr: 127.0.0.1:${port}
${authYaml}`,
  );
  const proc = await h.spawnCommand("registry", "/usr/bin/docker-registry", [
    "serve",
    `${dir}/config.yml`,
  ], { server: false });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (true) {
    const res = await fetch(`${url}/v2/`).catch(() => null);
    await res?.body?.cancel();
    if (res && (res.status === 200 || res.status === 401)) break;
    if (Date.now() > deadline) throw new Error(`registry did not start:\n${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    host: `127.0.0.1:${port}`,
    url,
    blobFile: (digest) => {
      const hex = digest.replace(/^sha256:/, "");
      return `${dir}/data/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
    },
    blobEgress: () => blobEgress(proc.stderr() + proc.stdout()),
  };
}

/** Sums `http.response.written` of blob GETs per digest from distribution's JSON log lines. */
export function blobEgress(log: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of log.split("\n")) {
    if (!line.startsWith("{") || !line.includes('"response completed"')) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(String(entry["http.request.uri"] ?? ""));
    if (!m || entry["http.request.method"] !== "GET") continue;
    sums.set(m[1], (sums.get(m[1]) ?? 0) + Number(entry["http.response.written"] ?? 0));
  }
  return sums;
}

/** One blob of a generated image. */
export interface ImageBlob {
  digest: string;
  size: number;
}

/** A generated OCI image layout. */
export interface TestImage {
  dir: string;
  /** Reference inside the layout, for `oci:DIR:REF`. */
  ref: string;
  layers: ImageBlob[];
  config: ImageBlob;
}

async function writeBlob(dir: string, bytes: Uint8Array): Promise<ImageBlob> {
  const hex = createHash("sha256").update(bytes).digest("hex");
  await Deno.writeFile(`${dir}/blobs/sha256/${hex}`, bytes);
  return { digest: `sha256:${hex}`, size: bytes.byteLength };
}

/** `size` random bytes. */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}

/**
 * Writes an OCI layout with one gzipped tar layer per entry of
 * `layerSizes` (each holding one file of random bytes), a config and a manifest.
 */
export async function makeImage(h: Harness, layerSizes: number[]): Promise<TestImage> {
  const dir = await h.tempDir("dfly-image-");
  const work = await h.tempDir("dfly-layer-");
  await Deno.mkdir(`${dir}/blobs/sha256`, { recursive: true });
  const layers: ImageBlob[] = [];
  const diffIds: string[] = [];
  for (const [i, size] of layerSizes.entries()) {
    await Deno.writeFile(`${work}/file${i}.bin`, randomBytes(size));
    const tar = await new Deno.Command("tar", {
      args: ["-C", work, "-cf", "-", `file${i}.bin`],
      stdout: "piped",
    }).output();
    assert.ok(tar.success);
    diffIds.push(`sha256:${createHash("sha256").update(tar.stdout).digest("hex")}`);
    // Compressed already, so a push stores the layer as is (skopeo gzips plain tars).
    layers.push(await writeBlob(dir, gzipSync(tar.stdout, { level: 1 })));
    await Deno.remove(`${work}/file${i}.bin`);
  }
  const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const config = await writeBlob(
    dir,
    encode({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: diffIds },
      config: {},
    }),
  );
  const manifest = await writeBlob(
    dir,
    encode({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        ...l,
      })),
    }),
  );
  await Deno.writeTextFile(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await Deno.writeTextFile(
    `${dir}/index.json`,
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        ...manifest,
        annotations: { "org.opencontainers.image.ref.name": "v1" },
      }],
    }),
  );
  return { dir, ref: "v1", layers, config };
}

/** Runs `skopeo copy`; resolves with its exit code and output. */
export async function skopeoCopy(
  h: Harness,
  name: string,
  args: string[],
  timeoutMs = 180_000,
): Promise<{ code: number; stderr: string }> {
  const proc = await h.spawnCommand(name, "/usr/bin/skopeo", [
    "--insecure-policy",
    "copy",
    "--retry-times",
    "0",
    ...args,
  ], { server: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    proc.status,
    new Promise<null>((r) => timer = setTimeout(() => r(null), timeoutMs)),
  ]);
  clearTimeout(timer);
  if (status === null) {
    await proc.kill("SIGKILL");
    throw new Error(`${name} did not finish within ${timeoutMs} ms:\n${proc.stderr()}`);
  }
  return { code: status.code, stderr: proc.stderr() + proc.stdout() };
}

/** Pushes `image` to `registry` as `repo:v1`. */
export async function pushImage(
  h: Harness,
  image: TestImage,
  registry: TestRegistry,
  repo: string,
  creds?: string,
): Promise<void> {
  const res = await skopeoCopy(h, "skopeo-push", [
    "--dest-tls-verify=false",
    ...(creds ? ["--dest-creds", creds] : []),
    `oci:${image.dir}:${image.ref}`,
    `docker://${registry.host}/${repo}:v1`,
  ]);
  assert.equal(res.code, 0, `push failed:\n${res.stderr}`);
}

/** Where the proxy of an agent started with `--proxy 127.0.0.1:0` listens (waits for its log line). */
export async function proxyUrlOf(proc: Proc): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (true) {
    const m = /proxy listening proxy_url=(\S+)/.exec(proc.stderr());
    if (m) return m[1];
    if (Date.now() > deadline) throw new Error(`no proxy_url in:\n${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Digests of the blobs in a pulled OCI layout (file names checked against their contents). */
export async function pulledBlobs(dir: string): Promise<Map<string, number>> {
  const blobs = new Map<string, number>();
  for await (const entry of Deno.readDir(`${dir}/blobs/sha256`)) {
    const bytes = await Deno.readFile(`${dir}/blobs/sha256/${entry.name}`);
    const hex = createHash("sha256").update(bytes).digest("hex");
    assert.equal(hex, entry.name, `blob ${entry.name} has the wrong content`);
    blobs.set(`sha256:${hex}`, bytes.byteLength);
  }
  return blobs;
}
