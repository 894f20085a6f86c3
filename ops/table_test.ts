import assert from "node:assert/strict";
import { formatPercent, formatTable } from "./table.ts";

Deno.test("formatTable() pads columns, right-aligns numbers and strips control characters", () => {
  const text = formatTable(
    [{ header: "TASK" }, { header: "SIZE", right: true }, { header: "URL" }],
    [["abc", "24.0 MiB", "http://x/a"], ["d", "1 B", "http://x/\x1b[31mred\r"]],
  );
  assert.equal(
    text,
    "TASK      SIZE  URL\n" +
      "abc   24.0 MiB  http://x/a\n" +
      "d          1 B  http://x/ [31mred\n",
  );
  // deno-lint-ignore no-control-regex -- checking that none is left
  assert.ok(!/[\x00-\x09\x0b-\x1f]/.test(text));
});

Deno.test("formatPercent() shows one decimal", () => {
  assert.equal(formatPercent(1), "100.0%");
  assert.equal(formatPercent(0.5371), "53.7%");
});
