/**
 * @module tls — TLS for dfly's own connections: loading a listener's
 * certificate and key (`--tls-cert`/`--tls-key`), and an HTTP client that
 * trusts an extra CA (`--ca`) for calls to the tracker, to peers and to the
 * local agent. One swarm uses TLS everywhere or nowhere: an agent that
 * serves TLS asks its peers over https as well.
 */
import { UsageError } from "../cli.ts";

/** A listener's certificate chain and private key, PEM. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** How one process talks to other dfly processes. */
export interface Transport {
  /** `http` or `https` for URLs built from `host:port` (peers, seeds). */
  scheme: "http" | "https";
  /** fetch that trusts `--ca` as well as the system roots. */
  fetch: typeof fetch;
}

/** Plain HTTP with the global fetch. */
export const PLAIN_TRANSPORT: Transport = { scheme: "http", fetch: globalThis.fetch };

/**
 * Reads `--tls-cert` and `--tls-key` (both or neither); throws UsageError
 * with the flag's name when one is missing or unreadable.
 */
export function loadTlsFiles(
  certPath: string | undefined,
  keyPath: string | undefined,
): TlsFiles | null {
  if (certPath === undefined && keyPath === undefined) return null;
  if (certPath === undefined || keyPath === undefined) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const cert = readPem("tls-cert", certPath);
  const key = readPem("tls-key", keyPath);
  return { cert, key };
}

/** Reads a PEM file named by `--flag`; throws UsageError when it is not one. */
export function readPem(flag: string, path: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    throw new UsageError(`--${flag}: cannot read ${path} (${(err as Error).name})`);
  }
  if (!text.includes("-----BEGIN ")) throw new UsageError(`--${flag}: ${path} is not a PEM file`);
  return text;
}

/**
 * The transport for a process: https when it serves TLS or was given a CA,
 * and a fetch that trusts the CA file when one is given.
 *
 * @example
 * ```ts
 * import { createTransport } from "./tls.ts";
 * const t = createTransport({ tls: false, caPath: undefined });
 * if (t.scheme !== "http") throw new Error();
 * ```
 */
export function createTransport(options: { tls: boolean; caPath: string | undefined }): Transport {
  if (options.caPath === undefined) {
    return options.tls ? { ...PLAIN_TRANSPORT, scheme: "https" } : PLAIN_TRANSPORT;
  }
  const client = Deno.createHttpClient({ caCerts: [readPem("ca", options.caPath)] });
  return {
    scheme: "https",
    fetch: (input, init) => fetch(input, { ...init, client }),
  };
}
