/**
 * @module metrics — a small Prometheus registry: counters, gauges and
 * histograms with labels, rendered in the text exposition format (version
 * 0.0.4) that every Prometheus scraper reads. Values may also be collected at
 * scrape time from whoever owns them (`collect`), so hot paths that already
 * count something need no second counter.
 */

/** Label values of one series, by label name. */
export type Labels = Record<string, string>;

/** Content type of {@link Registry.render}'s output. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Default histogram buckets for durations in seconds (1 ms … 5 min). */
export const SECONDS_BUCKETS: readonly number[] = [
  0.001,
  0.005,
  0.01,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  300,
];

/** What every metric is declared with. */
export interface MetricOptions {
  /** Full name, e.g. `dfly_agent_download_bytes_total`. */
  name: string;
  /** One line shown as `# HELP`. */
  help: string;
  /** Names of the labels each series carries (fixed per metric). */
  labelNames?: readonly string[];
}

/** Options of a counter or gauge whose value is read at scrape time. */
export interface CollectedOptions extends MetricOptions {
  /** Returns the current value, or one value per label set. */
  collect?: () => number | Iterable<[Labels, number]>;
}

/** Options of {@link Histogram}. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending; `+Inf` is added. Default {@link SECONDS_BUCKETS}. */
  buckets?: readonly number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders a sample value the way Prometheus spells it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** `{a="x",b="y"}` in the metric's label order, or "" without labels. */
function labelText(names: readonly string[], labels: Labels, extra = ""): string {
  const parts = names.map((n) => `${n}="${escapeLabel(labels[n] ?? "")}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: "counter" | "gauge" | "histogram";

  constructor(options: MetricOptions) {
    if (!METRIC_NAME.test(options.name)) {
      throw new RangeError(`Cannot register metric "${options.name}": invalid name`);
    }
    for (const l of options.labelNames ?? []) {
      if (!LABEL_NAME.test(l) || l === "le") {
        throw new RangeError(`Cannot register metric ${options.name}: invalid label "${l}"`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  protected key(labels: Labels): string {
    for (const l of Object.keys(labels)) {
      if (!this.labelNames.includes(l)) {
        throw new RangeError(`Cannot use label "${l}" on ${this.name}: not declared`);
      }
    }
    return this.labelNames.map((n) => labels[n] ?? "").join("\u0000");
  }

  /** The `# HELP`/`# TYPE` header and the sample lines. */
  render(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n` +
      this.samples().join("");
  }

  protected abstract samples(): string[];
}

/** A value per label set that is set, added to, or collected. */
abstract class ValueMetric extends Metric {
  #values = new Map<string, { labels: Labels; value: number }>();
  #collect?: () => number | Iterable<[Labels, number]>;

  constructor(options: CollectedOptions) {
    super(options);
    this.#collect = options.collect;
  }

  protected add(delta: number, labels: Labels): void {
    const key = this.key(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += delta;
    else this.#values.set(key, { labels: { ...labels }, value: delta });
  }

  protected put(value: number, labels: Labels): void {
    const key = this.key(labels);
    this.#values.set(key, { labels: { ...labels }, value });
  }

  /** The current value for `labels` (0 when never touched). */
  get(labels: Labels = {}): number {
    if (this.#collect) {
      for (const [l, v] of this.#entries()) if (this.key(l) === this.key(labels)) return v;
      return 0;
    }
    return this.#values.get(this.key(labels))?.value ?? 0;
  }

  #entries(): [Labels, number][] {
    if (!this.#collect) return [...this.#values.values()].map((e) => [e.labels, e.value]);
    const got = this.#collect();
    return typeof got === "number" ? [[{}, got]] : [...got];
  }

  protected samples(): string[] {
    return this.#entries().map(([labels, value]) =>
      `${this.name}${labelText(this.labelNames, labels)} ${formatValue(value)}\n`
    );
  }
}

/** A value that only goes up (name it `…_total`). */
export class Counter extends ValueMetric {
  readonly type = "counter" as const;

  /** Adds `value` (default 1); a negative amount is a bug and throws. */
  inc(value = 1, labels: Labels = {}): void {
    if (!(value >= 0)) {
      throw new RangeError(`Cannot decrease counter ${this.name}: current value is ${value}`);
    }
    this.add(value, labels);
  }
}

/** A value that goes up and down. */
export class Gauge extends ValueMetric {
  readonly type = "gauge" as const;

  /** Sets the value. */
  set(value: number, labels: Labels = {}): void {
    this.put(value, labels);
  }

  /** Adds `value` (default 1; may be negative). */
  inc(value = 1, labels: Labels = {}): void {
    this.add(value, labels);
  }
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Metric {
  readonly type = "histogram" as const;
  readonly buckets: readonly number[];
  #series = new Map<string, HistogramSeries>();

  constructor(options: HistogramOptions) {
    super(options);
    const buckets = [...(options.buckets ?? SECONDS_BUCKETS)];
    if (buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
      throw new RangeError(`Cannot register histogram ${this.name}: buckets must ascend`);
    }
    this.buckets = buckets;
  }

  /** Records one observation. */
  observe(value: number, labels: Labels = {}): void {
    const key = this.key(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: { ...labels }, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    // Each bucket counts only its own range here; render() accumulates.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of observations for `labels`. */
  get(labels: Labels = {}): { count: number; sum: number } {
    const s = this.#series.get(this.key(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  protected samples(): string[] {
    const lines: string[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i];
        const le = `le="${formatValue(b)}"`;
        lines.push(
          `${this.name}_bucket${labelText(this.labelNames, s.labels, le)} ${cumulative}\n`,
        );
      });
      const inf = labelText(this.labelNames, s.labels, 'le="+Inf"');
      lines.push(`${this.name}_bucket${inf} ${s.count}\n`);
      const plain = labelText(this.labelNames, s.labels);
      lines.push(`${this.name}_sum${plain} ${formatValue(s.sum)}\n`);
      lines.push(`${this.name}_count${plain} ${s.count}\n`);
    }
    return lines;
  }
}

/**
 * A set of metrics rendered together.
 *
 * @example
 * ```ts
 * import { Registry } from "./metrics.ts";
 * const registry = new Registry();
 * const bytes = registry.counter({
 *   name: "dfly_example_bytes_total",
 *   help: "Bytes moved.",
 *   labelNames: ["origin"],
 * });
 * bytes.inc(42, { origin: "peer" });
 * if (!registry.render().includes('dfly_example_bytes_total{origin="peer"} 42\n')) {
 *   throw new Error("counter not rendered");
 * }
 * ```
 */
export class Registry {
  #metrics = new Map<string, Metric>();

  #register<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) {
      throw new RangeError(`Cannot register metric ${metric.name}: already registered`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Declares a counter. */
  counter(options: CollectedOptions): Counter {
    return this.#register(new Counter(options));
  }

  /** Declares a gauge. */
  gauge(options: CollectedOptions): Gauge {
    return this.#register(new Gauge(options));
  }

  /** Declares a histogram. */
  histogram(options: HistogramOptions): Histogram {
    return this.#register(new Histogram(options));
  }

  /** Every metric in the text exposition format, in declaration order. */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join("");
  }
}
