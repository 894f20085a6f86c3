/**
 * @module image_ref — parses `dfly preheat --image` references:
 * `[http(s)://]REGISTRY/REPO[:TAG|@sha256:HEX]`. The registry must be named
 * (no Docker Hub shorthand); without a scheme it is https, except for
 * localhost and loopback addresses, which are plain http as Docker treats them.
 */

/** A parsed image reference. */
export interface ImageRef {
  /** `https://registry.example:5000`, no trailing slash. */
  registry: string;
  /** `library/debian`. */
  repository: string;
  /** A tag or a `sha256:` digest. */
  reference: string;
}

/**
 * Parses an image reference; throws RangeError with the reason.
 *
 * @example
 * ```ts
 * import { parseImageRef } from "./image_ref.ts";
 * const r = parseImageRef("localhost:5000/team/app:1.2");
 * if (r.registry !== "http://localhost:5000" || r.repository !== "team/app" || r.reference !== "1.2") {
 *   throw new Error();
 * }
 * ```
 */
export function parseImageRef(text: string): ImageRef {
  const m =
    /^(?:(https?):\/\/)?([^/\s]+)\/([a-z0-9]+(?:[._\-/][a-z0-9]+)*)(?::([\w][\w.-]{0,127})|@(sha256:[0-9a-f]{64}))?$/
      .exec(text);
  if (!m) {
    throw new RangeError(
      `"${text}" is not REGISTRY/REPO:TAG (e.g. registry.example:5000/team/app:1.2)`,
    );
  }
  const [, scheme, host, repository, tag, digest] = m;
  const loopback = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host);
  return {
    registry: `${scheme ?? (loopback ? "http" : "https")}://${host}`,
    repository,
    reference: digest ?? tag ?? "latest",
  };
}
