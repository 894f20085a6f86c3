/**
 * @module rendezvous — rendezvous (highest random weight) hashing: which
 * tracker owns a task. Every agent computes the same order from the same
 * tracker list, so all peers of a task meet at the same tracker without
 * coordination, and when a tracker goes away only its own tasks move (each
 * to its next tracker in order), spread evenly over the survivors.
 */
import { createHash } from "node:crypto";

/** Weight of `node` for `key`: the first 48 bits of sha256(node "\n" key). */
export function rendezvousWeight(key: string, node: string): number {
  const digest = createHash("sha256").update(node).update("\n").update(key).digest();
  return digest.readUIntBE(0, 6);
}

/**
 * `nodes` ordered by weight for `key`, highest first (ties by name, so the
 * order is total). The first is the owner; the rest are the failover order.
 *
 * @example
 * ```ts
 * import { rendezvousOrder } from "./rendezvous.ts";
 * const trackers = ["http://t1:8002", "http://t2:8002", "http://t3:8002"];
 * const order = rendezvousOrder("ab".repeat(32), trackers);
 * // The same order on every agent; without the owner, the rest keep their order.
 * const rest = rendezvousOrder("ab".repeat(32), trackers.filter((t) => t !== order[0]));
 * if (rest.join() !== order.slice(1).join()) throw new Error();
 * ```
 */
export function rendezvousOrder(key: string, nodes: readonly string[]): string[] {
  return nodes
    .map((node) => ({ node, weight: rendezvousWeight(key, node) }))
    .sort((a, b) => b.weight - a.weight || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .map((x) => x.node);
}
