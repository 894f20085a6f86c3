/**
 * @module socket_owner — which local user is on the other end of a loopback
 * TCP connection, read from the kernel's socket tables (`/proc/net/tcp` and
 * `tcp6`, the identd way). The agent places files only for callers running
 * as its own user: a root agent must not hard-link into paths another user
 * names.
 */

/** One end of a TCP connection. */
export interface SocketEnd {
  hostname: string;
  port: number;
}

/**
 * The key under which the kernel lists an address in `/proc/net/tcp{,6}`:
 * the IP in host (little-endian) word order, then the port, in upper-case hex.
 * Returns which table to look in, or null for an address we cannot encode.
 *
 * @example
 * ```ts
 * import { procNetKey } from "./socket_owner.ts";
 * const key = procNetKey({ hostname: "127.0.0.1", port: 8000 });
 * if (key?.table !== "tcp" || key.key !== "0100007F:1F40") throw new Error();
 * ```
 */
export function procNetKey(end: SocketEnd): { table: "tcp" | "tcp6"; key: string } | null {
  const port = end.port.toString(16).toUpperCase().padStart(4, "0");
  // A v4 client reached through a dual-stack listener is a v4 socket on its side.
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(end.hostname);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    if (bytes.some((b) => b > 255)) return null;
    return { table: "tcp", key: `${hexWord(bytes)}:${port}` };
  }
  const bytes = ipv6Bytes(end.hostname);
  if (!bytes) return null;
  let ip = "";
  for (let i = 0; i < 16; i += 4) ip += hexWord(bytes.slice(i, i + 4));
  return { table: "tcp6", key: `${ip}:${port}` };
}

/** Four bytes as the kernel prints a 32-bit word on a little-endian host. */
function hexWord(bytes: number[]): string {
  return bytes.toReversed().map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join("");
}

function ipv6Bytes(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return null;
  const words = [...head, ...Array(fill).fill("0"), ...tail];
  if (!words.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return null;
  return words.flatMap((w) => {
    const n = parseInt(w, 16);
    return [n >> 8, n & 0xff];
  });
}

/**
 * The uid owning the socket whose local end has `key` in a `/proc/net/tcp`
 * style table, or null when no row matches.
 *
 * @example
 * ```ts
 * import { socketOwnerIn } from "./socket_owner.ts";
 * const table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n" +
 *   "   0: 0100007F:A2C4 0100007F:1F40 01 00000000:00000000 00:00000000 00000000  1000\n";
 * if (socketOwnerIn(table, "0100007F:A2C4") !== 1000) throw new Error();
 * ```
 */
export function socketOwnerIn(table: string, key: string): number | null {
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8 || cols[1] !== key) continue;
    const uid = Number(cols[7]);
    return Number.isInteger(uid) ? uid : null;
  }
  return null;
}

/** The uid of the local process on the far end `remote` of a loopback connection, or null. */
export async function loopbackCallerUid(remote: SocketEnd): Promise<number | null> {
  const where = procNetKey(remote);
  if (!where) return null;
  try {
    return socketOwnerIn(await Deno.readTextFile(`/proc/net/${where.table}`), where.key);
  } catch {
    return null; // no /proc (not Linux)
  }
}
