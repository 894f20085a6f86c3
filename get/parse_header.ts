/**
 * @module parse_header — turns a curl-style `-H 'Name: value'` argument into
 * a `[name, value]` pair, refusing anything that cannot be sent as a header.
 */

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses `Name: value` (value trimmed; may be empty). Throws RangeError with a
 * one-line reason when the text is not a valid header.
 *
 * @example
 * ```ts
 * import { parseHeader } from "./parse_header.ts";
 * const [name, value] = parseHeader("Authorization: Bearer abc");
 * if (name !== "Authorization" || value !== "Bearer abc") throw new Error();
 * ```
 */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":");
  if (colon <= 0) {
    throw new RangeError(`Cannot use header "${text}": write it as 'Name: value'`);
  }
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!HEADER_NAME.test(name)) {
    throw new RangeError(`Cannot use header "${text}": "${name}" is not a valid header name`);
  }
  if (/[\r\n\0]/.test(value)) {
    throw new RangeError(`Cannot use header "${name}": the value contains a line break`);
  }
  return [name, value];
}
