/**
 * @module units — turns human sizes and rates (`20GiB`, `100MiB`, `50MB`,
 * `800Mbit`) into numbers and back. Pure; used by config parsing.
 */

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
};

const BIT_UNITS: Record<string, number> = {
  bit: 1 / 8,
  kbit: 1e3 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  kibit: 2 ** 10 / 8,
  mibit: 2 ** 20 / 8,
  gibit: 2 ** 30 / 8,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*?)(?:\/s)?\s*$/i;

/**
 * Parses a byte size such as `20GiB`, `512MB`, `4096` or `0`.
 *
 * @example
 * ```ts
 * import { parseSize } from "./units.ts";
 * if (parseSize("2MiB") !== 2 * 1024 * 1024) throw new Error();
 * ```
 */
export function parseSize(text: string): number {
  const m = PATTERN.exec(text);
  const factor = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || factor === undefined || text.includes("/")) {
    throw new RangeError(
      `Cannot parse size "${text}": use a number with B, KB, MB, GB, KiB, MiB or GiB`,
    );
  }
  return Math.round(Number(m[1]) * factor);
}

/**
 * Parses a rate in bytes per second: `100MiB`, `50MB/s`, `800Mbit`; `0` means
 * unlimited and is returned as 0.
 *
 * @example
 * ```ts
 * import { parseRate } from "./units.ts";
 * if (parseRate("800Mbit") !== 100e6) throw new Error();
 * ```
 */
export function parseRate(text: string): number {
  const m = PATTERN.exec(text);
  if (m) {
    const unit = m[2].toLowerCase();
    const factor = SIZE_UNITS[unit] ?? BIT_UNITS[unit];
    if (factor !== undefined) return Math.round(Number(m[1]) * factor);
  }
  throw new RangeError(
    `Cannot parse rate "${text}": use e.g. 100MiB, 50MB, 800Mbit, or 0 for unlimited`,
  );
}

/**
 * Formats bytes with binary units, e.g. `256.0 MiB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./units.ts";
 * if (formatBytes(1536) !== "1.5 KiB") throw new Error();
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${value} B` : `${value.toFixed(1)} ${units[i]}`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a count flag: a whole number from 0 to `max`.
 *
 * @example
 * ```ts
 * import { parseWholeNumber } from "./units.ts";
 * if (parseWholeNumber("4", 10) !== 4) throw new Error();
 * ```
 */
export function parseWholeNumber(text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > max) {
    throw new RangeError(`use a whole number from 0 to ${max}, not "${text}"`);
  }
  return n;
}

/**
 * Parses a duration such as `500ms`, `15s`, `10m` or `2h` into milliseconds;
 * a bare number is seconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * if (parseDuration("1.5s") !== 1500) throw new Error();
 * ```
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) {
    throw new RangeError(`Cannot parse duration "${text}": use e.g. 500ms, 15s, 10m or 2h`);
  }
  return Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? "s").toLowerCase()]);
}
