/**
 * Encoding of values for PostgreSQL's COPY text format: tab-separated, `\N`
 * for NULL, backslash escapes for the bytes that would break the framing.
 */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export const escapeCopyText = (value: string): string =>
  NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;

/** One COPY text line (with its newline) for a row of normalized values. */
export const encodeCopyTextRow = (values: readonly (string | null)[]): string => {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) line += '\t';
    line += v === null || v === undefined ? '\\N' : escapeCopyText(v);
  }
  return line + '\n';
};
