import assert from "node:assert/strict";
import { formatAge, formatCacheTable } from "./cache_table.ts";

Deno.test("formatAge() picks a readable unit", () => {
  assert.deepEqual([5e3, 600e3, 5 * 3600e3, 4 * 86_400e3].map(formatAge), [
    "5s",
    "10m",
    "5h",
    "4d",
  ]);
});

Deno.test("formatCacheTable() aligns rows and sums usage against quota", () => {
  const text = formatCacheTable({
    usage: 3 * 2 ** 20,
    quota: 2 ** 30,
    ttlMs: 3600e3,
    tasks: [
      {
        id: "a".repeat(64),
        url: "https://dfly-import.invalid/m.bin",
        tag: "",
        name: "m.bin",
        length: 2 ** 20,
        pieces: 1,
        pieceCount: 1,
        complete: true,
        inUse: false,
        createdAt: 0,
        lastAccess: 1000,
      },
      {
        id: "b".repeat(64),
        url: "http://o/f",
        tag: "v2",
        name: null,
        length: 2 * 2 ** 20,
        pieces: 0,
        pieceCount: 1,
        complete: false,
        inUse: true,
        createdAt: 0,
        lastAccess: 2000,
      },
    ],
  }, 62_000);
  const lines = text.split("\n");
  assert.match(lines[0], /^TASK\s+SIZE\s+PIECES\s+IN USE\s+UNUSED\s+NAME \/ URL$/);
  assert.match(lines[1], /^aaaaaaaaaaaa {2}1(\.0)? ?MiB\s+complete\s+61s\s+name:m\.bin$/);
  assert.match(lines[2], /^bbbbbbbbbbbb .*0\/1\s+yes\s+60s\s+http:\/\/o\/f \(tag v2\)$/);
  assert.equal(lines[0].indexOf("SIZE"), lines[1].indexOf("1"));
  assert.match(lines[3], /^2 tasks, 3(\.0)? ?MiB of 1(\.0)? ?GiB quota, ttl 60m$/);
});
