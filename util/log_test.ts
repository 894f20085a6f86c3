import assert from "node:assert/strict";
import { formatJsonLine, formatLine, parseLogFormat } from "./log.ts";

Deno.test("formatLine() writes key=value pairs and quotes values with spaces", () => {
  const line = formatLine(new Date(0), "info", "agent", "download finished", {
    task: "ab",
    seconds: "1.50",
    error: "two words",
    skipped: undefined,
  });
  assert.equal(
    line,
    '1970-01-01T00:00:00.000Z INFO agent download finished task=ab seconds=1.50 error="two words"',
  );
});

Deno.test("formatJsonLine() writes one JSON object whose fixed keys cannot be overridden", () => {
  const line = formatJsonLine(new Date(0), "warn", "tracker", "x\ny", {
    bytes: 42,
    level: "spoofed",
    note: 'quote " and\nnewline',
  });
  assert.ok(!line.includes("\n"));
  assert.deepEqual(JSON.parse(line), {
    time: "1970-01-01T00:00:00.000Z",
    level: "warn",
    role: "tracker",
    event: "x\ny",
    bytes: 42,
    note: 'quote " and\nnewline',
  });
});

Deno.test("parseLogFormat() accepts text and json only", () => {
  assert.equal(parseLogFormat("json"), "json");
  assert.throws(() => parseLogFormat("xml"), /choose text or json/);
});
