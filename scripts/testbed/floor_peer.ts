/**
 * @module floor_peer — the two ends of one bulk transfer in plain Deno, for
 * scripts/bench_floor.ts: what the runtime costs per byte before any of
 * dfly's own work (no hashing, no piece bookkeeping, no tracker).
 *
 *   serve-raw PORT FILE     one TCP connection: the whole file, then exit
 *   get-raw HOST:PORT OUT   read it all into OUT
 *   serve-http PORT FILE    one HTTP GET: the file as fresh 256 KiB chunks
 *                           (as the agent serves a piece), then exit
 *   get-http URL OUT        fetch with BYOB reads into one reused buffer
 */

const CHUNK = 256 * 1024;
const [mode, a, b] = Deno.args;

/** Copies `file` to `conn` through one reused buffer. */
async function sendFile(conn: Deno.Conn, path: string): Promise<void> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(CHUNK);
  while (true) {
    const n = file.readSync(buf);
    if (n === null) break;
    let at = 0;
    while (at < n) at += await conn.write(buf.subarray(at, n));
  }
}

if (mode === "serve-raw") {
  using listener = Deno.listen({ port: Number(a) });
  const conn = await listener.accept();
  await sendFile(conn, b);
  conn.close();
} else if (mode === "get-raw") {
  const [host, port] = a.split(":");
  using conn = await Deno.connect({ hostname: host, port: Number(port) });
  using out = Deno.openSync(b, { write: true, create: true, truncate: true });
  const buf = new Uint8Array(512 * 1024);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    out.writeSync(buf.subarray(0, n));
  }
} else if (mode === "serve-http") {
  const path = b;
  const { size } = Deno.statSync(path);
  const done = Promise.withResolvers<void>();
  const server = Deno.serve({ port: Number(a), onListen() {} }, () => {
    const file = Deno.openSync(path, { read: true });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = new Uint8Array(Math.min(CHUNK, size - sent));
        const n = chunk.byteLength === 0 ? null : file.readSync(chunk);
        if (n === null) {
          file.close();
          controller.close();
          done.resolve();
          return;
        }
        sent += n;
        controller.enqueue(n === chunk.byteLength ? chunk : chunk.subarray(0, n));
      },
    }, { highWaterMark: 0 });
    return new Response(body, { headers: { "content-length": String(size) } });
  });
  await done.promise;
  await server.shutdown();
} else if (mode === "get-http") {
  const res = await fetch(a);
  using out = Deno.openSync(b, { write: true, create: true, truncate: true });
  const reader = res.body!.getReader({ mode: "byob" });
  let buf = new ArrayBuffer(512 * 1024);
  while (true) {
    const { value, done } = await reader.read(new Uint8Array(buf));
    if (value) buf = value.buffer as ArrayBuffer;
    if (done || !value) break;
    out.writeSync(value);
  }
} else {
  console.error("usage: floor_peer.ts serve-raw|get-raw|serve-http|get-http ...");
  Deno.exit(2);
}
