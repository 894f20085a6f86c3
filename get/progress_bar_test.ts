import assert from "node:assert/strict";
import { ProgressBar } from "./progress_bar.ts";

function fixture() {
  const out: string[] = [];
  let time = 0;
  const bar = new ProgressBar({ write: (t) => out.push(t), now: () => time, columns: 40 });
  return { out, bar, advance: (ms: number) => time += ms };
}

const at = (bytes: number) => ({ bytes, total: 1000, fromPeers: null, fromSource: null });

Deno.test("ProgressBar() redraws at most every 100 ms", () => {
  const { out, bar, advance } = fixture();
  bar.update(at(0));
  for (let i = 1; i <= 10; i++) {
    advance(20);
    bar.update(at(i * 10));
  }
  assert.equal(out.length, 3, "draws at 0, 100 and 200 ms");
  assert.ok(out.every((t) => t.startsWith("\r") && t.endsWith("\x1b[K")));
});

Deno.test("ProgressBar() cuts the line to the terminal width", () => {
  const { out, bar } = fixture();
  bar.update(at(500));
  const line = out[0].slice(1, -3);
  assert.ok(line.length > 0 && line.length <= 39, line);
});

Deno.test("ProgressBar.clear() erases only a drawn bar", () => {
  const { out, bar } = fixture();
  bar.clear();
  assert.deepEqual(out, []);
  bar.update(at(1));
  bar.clear();
  assert.equal(out.at(-1), "\r\x1b[K");
});
