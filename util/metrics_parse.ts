/**
 * @module metrics_parse — reads the Prometheus text exposition format back
 * into samples, so tests and `dfly stat` can check what `/metrics` says
 * without trusting the renderer that wrote it.
 */

/** One sample line: a name, its labels and a value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL_PAIR = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;

function unescapeLabel(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => c === "n" ? "\n" : c);
}

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const v = Number(text);
  if (text === "" || Number.isNaN(v)) throw new SyntaxError(`Line ${line}: bad value "${text}"`);
  return v;
}

/**
 * Parses exposition text; comment lines are skipped, anything malformed throws
 * a SyntaxError naming the line.
 *
 * @example
 * ```ts
 * import { parseMetrics } from "./metrics_parse.ts";
 * const [s] = parseMetrics('# TYPE x counter\nx_total{a="b"} 3\n');
 * if (s.name !== "x_total" || s.labels.a !== "b" || s.value !== 3) throw new Error();
 * ```
 */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new SyntaxError(`Line ${i + 1}: not a sample: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      LABEL_PAIR.lastIndex = 0;
      while (LABEL_PAIR.lastIndex < m[3].length) {
        const at = LABEL_PAIR.lastIndex;
        const pair = LABEL_PAIR.exec(m[3]);
        if (!pair || pair.index !== at) throw new SyntaxError(`Line ${i + 1}: bad labels`);
        labels[pair[1]] = unescapeLabel(pair[2]);
      }
    }
    samples.push({ name: m[1], labels, value: parseValue(m[4], i + 1) });
  });
  return samples;
}

/** Sum of the samples named `name` whose labels include all of `labels`. */
export function sumSamples(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
