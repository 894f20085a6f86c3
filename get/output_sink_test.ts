import assert from "node:assert/strict";
import { join } from "node:path";
import { checkOutputPath, openFileOutput, TEMP_SUFFIX, tempPathFor } from "./output_sink.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "dfly-sink-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const list = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

Deno.test("openFileOutput() shows the file only after commit", () =>
  withDir(async (dir) => {
    const out = join(dir, "out.bin");
    const sink = await openFileOutput(out);
    await ReadableStream.from([new Uint8Array([1, 2]), new Uint8Array([3])]).pipeTo(sink.writable);
    const names = await list(dir);
    assert.equal(names.length, 1);
    assert.ok(names[0].startsWith(".out.bin.") && names[0].endsWith(TEMP_SUFFIX));
    await sink.commit();
    assert.deepEqual(await list(dir), ["out.bin"]);
    assert.deepEqual(await Deno.readFile(out), new Uint8Array([1, 2, 3]));
  }));

Deno.test("openFileOutput() leaves nothing behind on abort", () =>
  withDir(async (dir) => {
    const sink = await openFileOutput(join(dir, "out.bin"));
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.error(new Error("cut"));
      },
    });
    await assert.rejects(failing.pipeTo(sink.writable));
    await sink.abort();
    await sink.abort();
    assert.deepEqual(await list(dir), []);
  }));

Deno.test("checkOutputPath() explains missing directories and directory targets", () =>
  withDir(async (dir) => {
    await assert.rejects(checkOutputPath(join(dir, "nope", "x")), /no such directory/);
    await assert.rejects(checkOutputPath(dir), /it is a directory/);
    await checkOutputPath(join(dir, "fine"));
  }));

Deno.test("tempPathFor() stays in the output's directory", () => {
  assert.equal(tempPathFor("/a/b/c.bin", "1234"), `/a/b/.c.bin.1234${TEMP_SUFFIX}`);
});
