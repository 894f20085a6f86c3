/**
 * @module resolve_image — turns an image reference into the blobs to
 * preheat: fetches the manifest (or the index, then the manifest for the
 * host's platform) and lists the config and every layer with its blob URL.
 * Only registries that serve manifests and blobs without credentials are
 * supported: seeds fetch the blobs and never get the caller's credentials.
 */
import { DflyError } from "../errors.ts";
import type { ImageRef } from "./image_ref.ts";

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/** One blob of an image. */
export interface ImageBlob {
  digest: string;
  size: number;
  url: string;
}

/** One entry of an index's `manifests`. */
export interface IndexEntry {
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** The platform of this host in OCI terms (`linux`/`amd64`). */
export function hostPlatform(): { os: string; architecture: string } {
  const arch = Deno.build.arch === "x86_64"
    ? "amd64"
    : Deno.build.arch === "aarch64"
    ? "arm64"
    : Deno.build.arch;
  return { os: Deno.build.os, architecture: arch };
}

/**
 * The manifest digest of an index entry for `platform`, or null.
 *
 * @example
 * ```ts
 * import { choosePlatform } from "./resolve_image.ts";
 * const d = choosePlatform([
 *   { digest: "sha256:a", platform: { os: "linux", architecture: "arm64" } },
 *   { digest: "sha256:b", platform: { os: "linux", architecture: "amd64" } },
 * ], { os: "linux", architecture: "amd64" });
 * if (d !== "sha256:b") throw new Error();
 * ```
 */
export function choosePlatform(
  entries: IndexEntry[],
  platform: { os: string; architecture: string },
): string | null {
  const match = entries.find((e) =>
    e.platform?.os === platform.os && e.platform?.architecture === platform.architecture
  );
  return match?.digest ?? null;
}

async function getJson(
  url: string,
  accept: string[],
): Promise<{ type: string; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: accept.join(", ") } });
  } catch (err) {
    throw new DflyError(
      `cannot reach ${new URL(url).host}: ${(err as Error).message.split("\n")[0]}`,
      "registry_unreachable",
      502,
    );
  }
  const text = await res.text();
  if (res.status === 401) {
    throw new DflyError(
      `${url} needs credentials; preheat supports registries that serve anonymously`,
      "registry_auth",
      401,
    );
  }
  if (!res.ok) throw new DflyError(`${url} answered ${res.status}`, "registry_error", 502);
  try {
    return { type: (res.headers.get("content-type") ?? "").split(";")[0], body: JSON.parse(text) };
  } catch {
    throw new DflyError(`${url} did not answer JSON`, "registry_error", 502);
  }
}

/** Lists the blobs (config first, then layers) of `ref` for `platform`. */
export async function resolveImage(
  ref: ImageRef,
  platform = hostPlatform(),
): Promise<ImageBlob[]> {
  const base = `${ref.registry}/v2/${ref.repository}`;
  let { type, body } = await getJson(`${base}/manifests/${ref.reference}`, [
    ...INDEX_TYPES,
    ...MANIFEST_TYPES,
  ]);
  if (INDEX_TYPES.includes(type) || Array.isArray(body.manifests)) {
    const digest = choosePlatform(body.manifests as IndexEntry[], platform);
    if (!digest) {
      throw new DflyError(
        `${ref.repository}:${ref.reference} has no ${platform.os}/${platform.architecture} image`,
        "no_platform",
        404,
      );
    }
    ({ type, body } = await getJson(`${base}/manifests/${digest}`, MANIFEST_TYPES));
  }
  const layers = body.layers;
  const config = body.config as { digest?: string; size?: number } | undefined;
  if (!Array.isArray(layers)) {
    throw new DflyError(`unsupported manifest type ${type}`, "registry_error", 502);
  }
  const blobs: ImageBlob[] = [];
  for (const b of [config, ...layers] as { digest?: unknown; size?: unknown }[]) {
    if (!b || typeof b.digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(b.digest)) continue;
    if (blobs.some((x) => x.digest === b.digest)) continue;
    blobs.push({ digest: b.digest, size: Number(b.size ?? 0), url: `${base}/blobs/${b.digest}` });
  }
  return blobs;
}
