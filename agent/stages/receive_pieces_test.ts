import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DigestMismatchError, SourceError } from "../../errors.ts";
import { within } from "../../util/within.ts";
import { TokenBucket } from "../token_bucket.ts";
import { BufferPool } from "./buffer_pool.ts";
import { IdleTimeoutError, receivePieces, type ReceivePiecesOptions } from "./receive_pieces.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Receives `body` as pieces of 4 bytes of a 10-byte file, into a fake file. */
async function receive(
  body: ReadableStream<Uint8Array>,
  extra: Partial<ReceivePiecesOptions> = {},
) {
  const file = new Uint8Array(extra.length ?? 10);
  const pieces: [number, string, number][] = [];
  const pool = new BufferPool(16 * 1024, 4);
  await receivePieces(body, {
    start: 0,
    end: 10,
    pieceSize: 4,
    length: 10,
    pool,
    controller: new AbortController(),
    idleMs: 1000,
    expected: () => null,
    what: "piece",
    bytes: (_i, offset, bytes) => file.set(bytes, offset),
    piece: (i, digest, n) => void pieces.push([i, digest, n]),
    ...extra,
  });
  return { file, pieces, pool };
}

const data = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

Deno.test("receivePieces() cuts a real HTTP body at piece boundaries and hashes each piece", async () => {
  await using server = Deno.serve({ port: 0, onListen() {} }, () => new Response(data));
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  const { file, pieces, pool } = await receive(res.body!);
  assert.deepEqual(file, data);
  assert.deepEqual(pieces, [
    [0, sha(data.subarray(0, 4)), 4],
    [1, sha(data.subarray(4, 8)), 4],
    [2, sha(data.subarray(8)), 2],
  ]);
  assert.ok(pool.free >= 1, "read buffers came back to the pool");
});

Deno.test("receivePieces() takes a stream that is not a byte stream, chunks across pieces", async () => {
  const body = ReadableStream.from([data.subarray(0, 3), data.subarray(3, 9), data.subarray(9)]);
  const { file, pieces } = await receive(body);
  assert.deepEqual(file, data);
  assert.deepEqual(pieces.map(([i]) => i), [0, 1, 2]);
});

Deno.test("receivePieces() passes matching pieces and fails on a mismatch", async () => {
  const want = [sha(data.subarray(0, 4)), sha(data.subarray(4, 8)), sha(data.subarray(8))];
  const ok = await receive(ReadableStream.from([data]), { expected: (i) => want[i] });
  assert.equal(ok.pieces.length, 3);
  await assert.rejects(
    () =>
      receive(ReadableStream.from([data]), { expected: (i) => i === 1 ? "0".repeat(64) : want[i] }),
    DigestMismatchError,
  );
});

Deno.test("receivePieces() fails a body shorter or longer than the range", async () => {
  await assert.rejects(
    () => receive(ReadableStream.from([data.subarray(0, 7)])),
    (err: Error) => err instanceof SourceError && /sent 7 bytes, expected 10/.test(err.message),
  );
  await assert.rejects(
    () => receive(ReadableStream.from([data, new Uint8Array(1)])),
    (err: Error) => err instanceof SourceError && /more than the 10 bytes/.test(err.message),
  );
});

Deno.test("receivePieces() neither hands out nor reports a piece already held", async () => {
  const { file, pieces } = await receive(ReadableStream.from([data]), { skip: (i) => i === 1 });
  assert.deepEqual(pieces.map(([i, , n]) => [i, n]), [[0, 4], [2, 2]]);
  assert.deepEqual([...file.subarray(4, 8)], [0, 0, 0, 0]);
});

Deno.test("receivePieces() fails and aborts when the sender goes quiet", async () => {
  const controller = new AbortController();
  let cancelled = false;
  const silent = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(1));
    },
    cancel() {
      cancelled = true;
    },
  });
  const started = performance.now();
  await assert.rejects(() => receive(silent, { controller, idleMs: 100 }), IdleTimeoutError);
  assert.ok(performance.now() - started < 1000);
  assert.ok(controller.signal.aborted, "the request is aborted");
  assert.ok(cancelled, "the body is cancelled");
});

Deno.test("receivePieces() fails a sender that only trickles, passes a slow but sufficient one", async () => {
  const paced = (size: number, count: number) => {
    let n = 0;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 10));
        if (++n > count) c.close();
        else c.enqueue(new Uint8Array(size));
      },
    });
  };
  const pieces40 = { end: 40, length: 40, pieceSize: 40 };
  await assert.rejects(
    () => receive(paced(1, 40), { ...pieces40, idleMs: 100, idleMinBytes: 1000 }),
    (err: Error) => err instanceof IdleTimeoutError && /trickles/.test(err.message),
  );
  // 1 byte every ~10 ms against 1 per second: passes even on a loaded machine.
  const slow = await receive(paced(1, 40), { ...pieces40, idleMs: 1000, idleMinBytes: 1 });
  assert.equal(slow.pieces.length, 1);
});

Deno.test("receivePieces() stops with the abort reason when the caller aborts", async () => {
  const controller = new AbortController();
  const endless = new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 5));
      c.enqueue(new Uint8Array(1));
    },
  });
  setTimeout(() => controller.abort("superseded"), 30);
  await assert.rejects(
    () => receive(endless, { controller, end: 1000, length: 1000, pieceSize: 1000 }),
    (err: unknown) => err === "superseded",
  );
});

Deno.test("receivePieces() waits for the download limit", async () => {
  // 1,000 bytes/s with a 100-byte burst: 400 more bytes take ~0.4 s.
  const limiter = new TokenBucket(1000, { burst: 100 });
  const started = performance.now();
  await receive(ReadableStream.from([new Uint8Array(250), new Uint8Array(250)]), {
    limiter,
    end: 500,
    length: 500,
    pieceSize: 500,
  });
  assert.ok(performance.now() - started >= 300, "held back by the limiter");
});

/**
 * Serves one response whose body is `steps` in order on loopback: a chunk
 * is sent, a number waits that many ms, a promise waits for it. Returns the
 * fetched body (a byte stream, so receivePieces reads it with BYOB reads).
 */
async function scriptedBody(
  steps: (Uint8Array | number | Promise<void>)[],
): Promise<{ body: ReadableStream<Uint8Array>; sent: () => number; close(): Promise<void> }> {
  let sent = 0;
  const server = Deno.serve({ port: 0, onListen() {} }, () =>
    new Response(
      new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const step of steps) {
            if (typeof step === "number") await new Promise((r) => setTimeout(r, step));
            else if (step instanceof Uint8Array) {
              controller.enqueue(step);
              sent++;
            } else await step;
          }
          controller.close();
        },
      }),
    ));
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  return { body: res.body!, sent: () => sent, close: () => server.shutdown() };
}

/**
 * Options of {@link receivePieces} for all of `bytes` as one range, read into
 * 512 KiB pool buffers with a 5 s idle bound; `rest` says what to check and
 * where the bytes and pieces go.
 */
function wholeOf(
  bytes: Uint8Array,
  pieceSize: number,
  rest: Pick<ReceivePiecesOptions, "expected" | "bytes" | "piece">,
): ReceivePiecesOptions {
  return {
    start: 0,
    end: bytes.length,
    pieceSize,
    length: bytes.length,
    pool: new BufferPool(512 * 1024, 2),
    controller: new AbortController(),
    idleMs: 5000,
    what: "piece",
    ...rest,
  };
}

Deno.test("receivePieces() hands out many small reads of one piece as a few batches", async () => {
  const bytes = new Uint8Array(20 * 1024).map((_, i) => i % 251);
  // 1 KiB every 5 ms: each arrives as a read of its own.
  const steps = Array.from({ length: 20 }, (_, i) => [bytes.subarray(i * 1024, (i + 1) * 1024), 5])
    .flat();
  const script = await scriptedBody(steps);
  const file = new Uint8Array(bytes.length);
  let calls = 0;
  const pieces: number[] = [];
  await receivePieces(
    script.body,
    wholeOf(bytes, bytes.length, {
      expected: () => sha(bytes),
      bytes: (_i, offset, part) => {
        calls++;
        file.set(part, offset);
      },
      piece: (i) => void pieces.push(i),
    }),
  );
  await script.close();
  assert.deepEqual(file, bytes);
  assert.deepEqual(pieces, [0]);
  assert.ok(calls <= 3, `20 reads were handed out in ${calls} calls`);
});

Deno.test("receivePieces() checks a piece as soon as its last byte is in, while the body stalls", async () => {
  const bytes = new Uint8Array(8 * 1024).map((_, i) => i % 13);
  const release = Promise.withResolvers<void>();
  const script = await scriptedBody([
    bytes.subarray(0, 1024),
    5,
    bytes.subarray(1024, 4096),
    release.promise,
    bytes.subarray(4096),
  ]);
  const piece0 = Promise.withResolvers<void>();
  const done = receivePieces(
    script.body,
    wholeOf(bytes, 4096, {
      expected: (i) => sha(bytes.subarray(i * 4096, (i + 1) * 4096)),
      bytes: () => {},
      piece: (i) => {
        if (i === 0) piece0.resolve();
      },
    }),
  );
  assert.ok(await within(piece0.promise, 3000), "piece 0 checked while the body stalls");
  release.resolve();
  await done;
  await script.close();
});

Deno.test("receivePieces() hands out a slow sender's bytes before the piece is whole", async () => {
  const bytes = new Uint8Array(4 * 1024).map((_, i) => i % 7);
  const steps = Array.from({ length: 4 }, (_, i) => [bytes.subarray(i * 1024, (i + 1) * 1024), 300])
    .flat();
  const script = await scriptedBody(steps);
  const sentAtCalls: number[] = [];
  await receivePieces(
    script.body,
    wholeOf(bytes, 1024 * 1024, {
      expected: () => null,
      bytes: () => void sentAtCalls.push(script.sent()),
      piece: () => {},
    }),
  );
  await script.close();
  // Chunks 300 ms apart (more than BATCH_MS): bytes go out before the last chunk is sent.
  assert.ok(sentAtCalls.length >= 2, `handed out in ${sentAtCalls.length} calls`);
  assert.ok(sentAtCalls[0] < 4, `first bytes handed out after ${sentAtCalls[0]} of 4 chunks`);
});

Deno.test("receivePieces() hands out a large read at once, without waiting for more", async () => {
  const bytes = new Uint8Array(160 * 1024).map((_, i) => i % 11);
  const release = Promise.withResolvers<void>();
  let pulls = 0;
  // A byte stream that answers BYOB reads with exactly 100 KiB, then the rest once released.
  const body = new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const view = controller.byobRequest!.view as Uint8Array;
      const from = pulls++ === 0 ? 0 : 100 * 1024;
      if (from > 0) await release.promise;
      const part = bytes.subarray(from, from === 0 ? 100 * 1024 : bytes.length);
      view.set(part);
      controller.byobRequest!.respond(part.byteLength);
      if (from > 0) controller.close();
    },
  });
  let handed = 0;
  const seen = Promise.withResolvers<void>();
  const done = receivePieces(
    body,
    wholeOf(bytes, 1024 * 1024, {
      expected: () => null,
      bytes: (_i, _offset, part) => {
        handed += part.byteLength;
        if (handed >= 100 * 1024) seen.resolve();
      },
      piece: () => {},
    }),
  );
  assert.ok(await within(seen.promise, 2000), "the large read handed out before more came");
  release.resolve();
  await done;
  assert.equal(handed, bytes.length);
});
