import assert from "node:assert/strict";
import { Registry, SECONDS_BUCKETS } from "./metrics.ts";
import { parseMetrics, sumSamples } from "./metrics_parse.ts";

Deno.test("Registry.render() writes HELP, TYPE and labelled samples", () => {
  const r = new Registry();
  const c = r.counter({ name: "dfly_x_bytes_total", help: "Bytes.", labelNames: ["origin"] });
  c.inc(10, { origin: "peer" });
  c.inc(5, { origin: "source" });
  c.inc(2, { origin: "peer" });
  assert.equal(
    r.render(),
    "# HELP dfly_x_bytes_total Bytes.\n# TYPE dfly_x_bytes_total counter\n" +
      'dfly_x_bytes_total{origin="peer"} 12\ndfly_x_bytes_total{origin="source"} 5\n',
  );
});

Deno.test("Counter.inc() refuses to go down and rejects undeclared labels", () => {
  const r = new Registry();
  const c = r.counter({ name: "c_total", help: "h" });
  assert.throws(() => c.inc(-1), RangeError);
  assert.throws(() => c.inc(1, { nope: "x" }), RangeError);
  assert.throws(() => r.counter({ name: "c_total", help: "again" }), RangeError);
  assert.throws(() => r.counter({ name: "bad-name", help: "h" }), RangeError);
});

Deno.test("Gauge collects its value at render time", () => {
  const r = new Registry();
  let live = 3;
  r.gauge({ name: "g", help: "Live.", collect: () => live });
  r.gauge({
    name: "g_by",
    help: "By label.",
    labelNames: ["dir"],
    collect: () => [[{ dir: "up" }, 1], [{ dir: "down" }, 2]],
  });
  live = 7;
  const samples = parseMetrics(r.render());
  assert.equal(sumSamples(samples, "g"), 7);
  assert.equal(sumSamples(samples, "g_by", { dir: "down" }), 2);
  assert.equal(sumSamples(samples, "g_by"), 3);
});

Deno.test("Histogram renders cumulative buckets, +Inf, sum and count", () => {
  const r = new Registry();
  const h = r.histogram({ name: "d_seconds", help: "D.", buckets: [0.1, 1, 10] });
  for (const v of [0.05, 0.5, 0.5, 20]) h.observe(v);
  const samples = parseMetrics(r.render());
  const bucket = (le: string) => sumSamples(samples, "d_seconds_bucket", { le });
  assert.deepEqual([bucket("0.1"), bucket("1"), bucket("10"), bucket("+Inf")], [1, 3, 3, 4]);
  assert.equal(sumSamples(samples, "d_seconds_sum"), 21.05);
  assert.equal(sumSamples(samples, "d_seconds_count"), 4);
  assert.deepEqual(h.get(), { count: 4, sum: 21.05 });
  assert.ok(SECONDS_BUCKETS.length > 5);
  assert.throws(() => r.histogram({ name: "bad", help: "h", buckets: [1, 1] }), RangeError);
});

Deno.test("label values with quotes, backslashes and newlines survive a round trip", () => {
  const r = new Registry();
  const g = r.gauge({ name: "g", help: "a\nb", labelNames: ["v"] });
  const odd = 'say "hi"\\\nbye';
  g.set(1.5, { v: odd });
  const text = r.render();
  assert.ok(text.startsWith("# HELP g a\\nb\n"));
  const [s] = parseMetrics(text);
  assert.deepEqual(s, { name: "g", labels: { v: odd }, value: 1.5 });
});

Deno.test("parseMetrics() names the line it cannot read", () => {
  assert.throws(() => parseMetrics("ok 1\nnot a sample line at all {\n"), /Line 2/);
  assert.throws(() => parseMetrics("x abc\n"), /Line 1: bad value/);
  assert.deepEqual(parseMetrics("x +Inf 1700000000\n")[0].value, Infinity);
});
