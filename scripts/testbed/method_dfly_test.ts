import assert from "node:assert/strict";
import { byteSources } from "./method_dfly.ts";

Deno.test("byteSources() sums the last JSON line of each dfly get and skips failed clients", () => {
  const MiB = 2 ** 20;
  const ok = (peers: number, source: number) =>
    `progress noise\n${JSON.stringify({ from_peers_bytes: peers, from_source_bytes: source })}\n`;
  const line = byteSources([
    ok(100 * MiB, 0),
    ok(60 * MiB, 40 * MiB),
    "dfly get: agent unreachable\n",
  ]);
  assert.equal(line, "clients got 160 MiB from peers, 40 MiB from the source (2 summaries)");
});
