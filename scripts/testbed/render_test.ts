import assert from "node:assert/strict";
import { lineChartSvg, markdownTable, niceStep, spliceSection } from "./render.ts";

Deno.test("markdownTable() pads columns and right-aligns where asked", () => {
  const t = markdownTable(["method", "s"], [["http", "10.5"], ["dfly", "9.0"]], ["left", "right"]);
  assert.equal(
    t,
    "| method |    s |\n| ------ | ---: |\n| http   | 10.5 |\n| dfly   |  9.0 |\n",
  );
});

Deno.test("lineChartSvg() draws one polyline per series, skips NaN, escapes names", () => {
  const svg = lineChartSvg({
    title: "a < b",
    xLabel: "N",
    yLabel: "s",
    series: [
      { name: "http", color: "red", points: [{ x: 4, y: 60 }, { x: 8, y: 120 }] },
      {
        name: "T_min & co",
        color: "grey",
        dashed: true,
        points: [{ x: 4, y: 15 }, { x: 8, y: NaN }],
      },
      { name: "empty", color: "blue", points: [] },
    ],
  });
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.equal(svg.match(/<circle/g)?.length, 3);
  assert.ok(svg.includes("a &lt; b") && svg.includes("T_min &amp; co"));
  assert.ok(svg.includes('stroke-dasharray="6 4"'));
  assert.ok(!svg.includes("NaN"));
  // Each distinct x gets a tick label.
  assert.ok(svg.includes(">4</text>") && svg.includes(">8</text>"));
});

Deno.test("niceStep() picks 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(100), 20);
  assert.equal(niceStep(7), 2);
  assert.equal(niceStep(0.3), 0.1);
  assert.equal(niceStep(0), 1);
});

Deno.test("spliceSection() replaces between markers and appends when absent", () => {
  assert.equal(spliceSection("", "s", "x"), "<!-- s:begin -->\nx\n<!-- s:end -->\n");
  const doc = "# T\nnotes\n";
  const once = spliceSection(doc, "s", "one\n");
  assert.equal(
    spliceSection(once, "s", "two\n"),
    "# T\nnotes\n<!-- s:begin -->\ntwo\n<!-- s:end -->\n",
  );
  // Another section is left alone.
  const both = spliceSection(once, "t", "other\n");
  assert.ok(spliceSection(both, "s", "three\n").includes("other"));
});
