/**
 * @module render — turns benchmark results into text: a Markdown table and a
 * self-contained SVG line chart (no plotting dependency), plus splicing a
 * generated section into a hand-written Markdown file between markers.
 */

/** Column alignment of {@link markdownTable}. */
export type Align = "left" | "right";

/**
 * A Markdown table with padded columns (as `deno fmt` would lay it out).
 *
 * @example
 * ```ts
 * import { markdownTable } from "./render.ts";
 * const t = markdownTable(["a", "n"], [["x", "1"], ["yy", "10"]], ["left", "right"]);
 * if (!t.startsWith("| a  |  n |\n| -- | -: |")) throw new Error(t);
 * ```
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, 2, ...rows.map((r) => (r[i] ?? "").length))
  );
  const pad = (cell: string, i: number) =>
    align[i] === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => pad(c ?? "", i)).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, i) => align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)).join(
      " | ",
    )
  } |`;
  return [line(headers), rule, ...rows.map(line)].join("\n") + "\n";
}

/** One line of a {@link lineChartSvg}. */
export interface ChartSeries {
  name: string;
  /** CSS colour. */
  color: string;
  /** Draw dashed (e.g. a bound rather than a measurement). */
  dashed?: boolean;
  points: { x: number; y: number }[];
}

/** What {@link lineChartSvg} draws. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  width?: number;
  height?: number;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Round-number tick step giving about `count` ticks over `span`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

/**
 * An SVG line chart: x is linear over the points' x values (each distinct x
 * gets a tick), y starts at 0. Points that are not finite are skipped.
 *
 * @example
 * ```ts
 * import { lineChartSvg } from "./render.ts";
 * const svg = lineChartSvg({ title: "t", xLabel: "N", yLabel: "s", series: [
 *   { name: "a", color: "red", points: [{ x: 4, y: 10 }, { x: 8, y: 20 }] },
 * ] });
 * if (!svg.startsWith("<svg") || !svg.includes("<polyline")) throw new Error(svg);
 * ```
 */
export function lineChartSvg(options: ChartOptions): string {
  const { title, xLabel, yLabel, series } = options;
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const m = { left: 60, right: 150, top: 36, bottom: 48 };
  const finite = series.flatMap((s) =>
    s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
  );
  const xs = [...new Set(finite.map((p) => p.x))].sort((a, b) => a - b);
  const xMin = xs[0] ?? 0;
  const xMax = xs.at(-1) ?? 1;
  const yStep = niceStep(Math.max(1e-9, ...finite.map((p) => p.y)));
  const yMax = yStep * Math.ceil(Math.max(1e-9, ...finite.map((p) => p.y)) / yStep);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const px = (x: number) =>
    m.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const py = (y: number) => m.top + plotH - (y / yMax) * plotH;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2 - m.right / 2}" y="20" text-anchor="middle" font-size="14">${
      esc(title)
    }</text>`,
  ];
  for (let y = 0; y <= yMax + yStep / 2; y += yStep) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${f(py(y))}" y2="${
        f(py(y))
      }" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${f(py(y) + 4)}" text-anchor="end">${+y.toPrecision(6)}</text>`,
    );
  }
  for (const x of xs) {
    out.push(
      `<line x1="${f(px(x))}" x2="${f(px(x))}" y1="${m.top + plotH}" y2="${
        m.top + plotH + 5
      }" stroke="black"/>`,
      `<text x="${f(px(x))}" y="${m.top + plotH + 18}" text-anchor="middle">${x}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="black"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${
      esc(yLabel)
    }</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .sort((a, b) => a.x - b.x);
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    if (pts.length > 0) {
      out.push(
        `<polyline fill="none" stroke="${esc(s.color)}" stroke-width="2"${dash} points="${
          pts.map((p) => `${f(px(p.x))},${f(py(p.y))}`).join(" ")
        }"/>`,
        ...pts.map((p) =>
          `<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="3" fill="${esc(s.color)}"/>`
        ),
      );
    }
    const ly = m.top + 10 + i * 20;
    const lx = m.left + plotW + 12;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${
        esc(s.color)
      }" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in
 * `doc` with `section` (markers kept); appends the marked section when absent.
 *
 * @example
 * ```ts
 * import { spliceSection } from "./render.ts";
 * const d = spliceSection("# T\n<!-- x:begin -->\nold\n<!-- x:end -->\nkeep\n", "x", "new\n");
 * if (d !== "# T\n<!-- x:begin -->\nnew\n<!-- x:end -->\nkeep\n") throw new Error(d);
 * ```
 */
export function spliceSection(doc: string, name: string, section: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const body = `${begin}\n${section.endsWith("\n") ? section : section + "\n"}${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + body + doc.slice(j + end.length);
  return (doc === "" || doc.endsWith("\n") ? doc : doc + "\n") + body + "\n";
}
