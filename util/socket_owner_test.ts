import assert from "node:assert/strict";
import { loopbackCallerUid, procNetKey, socketOwnerIn } from "./socket_owner.ts";

Deno.test("procNetKey() encodes addresses as the kernel lists them", () => {
  assert.deepEqual(procNetKey({ hostname: "127.0.0.1", port: 65002 }), {
    table: "tcp",
    key: "0100007F:FDEA",
  });
  assert.deepEqual(procNetKey({ hostname: "::ffff:127.0.0.2", port: 1 }), {
    table: "tcp",
    key: "0200007F:0001",
  });
  assert.deepEqual(procNetKey({ hostname: "::1", port: 8002 }), {
    table: "tcp6",
    key: "00000000000000000000000001000000:1F42",
  });
  assert.equal(procNetKey({ hostname: "300.0.0.1", port: 1 }), null);
  assert.equal(procNetKey({ hostname: "1::2::3", port: 1 }), null);
});

Deno.test("socketOwnerIn() finds the row of a local end, or nothing", () => {
  const table = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:1F42 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1",
    "   1: 0100007F:C350 0100007F:1F42 01 00000000:00000000 00:00000000 00000000  1000        0 2",
  ].join("\n");
  assert.equal(socketOwnerIn(table, "0100007F:C350"), 1000);
  assert.equal(socketOwnerIn(table, "0100007F:1F42"), 0);
  assert.equal(socketOwnerIn(table, "0100007F:0001"), null);
});

Deno.test("loopbackCallerUid() names this process's user for its own connection", async () => {
  if (Deno.build.os !== "linux") return;
  let seen: Deno.NetAddr | null = null;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (_req, info) => {
      seen = info.remoteAddr;
      return new Response("ok");
    },
  );
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  await res.text();
  assert.ok(seen);
  assert.equal(await loopbackCallerUid(seen), Deno.uid());
});
