/**
 * The CSV syntax every reader of this package follows, written down once:
 * RFC 4180 as csv-parse reads it with `relax_quotes`, `skip_empty_lines` and
 * the record delimiters LF, CRLF and CR.
 *
 * - A record ends at LF, CRLF or a lone CR outside a quoted field; a CR and
 *   the LF after it are one terminator, even when they arrive in two pieces.
 * - A record without a byte (a blank line) is no record.
 * - The delimiter separates fields outside quoted fields.
 * - A quote opens a quoted field only at the field's start (the record's
 *   start, or right after a delimiter); anywhere else it is data.
 * - Inside a quoted field `""` is one quote, and a single quote closes the
 *   field. Text after the closing quote (`"ab"c`) is data as written, so the
 *   field reads as quote, unescaped content, quote, rest; a later quote in it
 *   is data too.
 * - A quoted field never closed runs to the end of the input (the loader
 *   rejects that record as CSV_QUOTE_NOT_CLOSED).
 * - A UTF-8 BOM at byte 0 of the file is not content; U+FEFF elsewhere is.
 *
 * Two loops implement these rules: the boundary scan (ChunkPlanner) jumps
 * between quote and line-break bytes with Buffer#indexOf and never looks at
 * fields (~1 GB/s); the record reader (CsvRecordReader) must stop at every
 * delimiter and does so with one table lookup per byte (170–400 MB/s). A
 * shared loop would cost the scan the reader's speed, so the two share these
 * rules, constants, the option check and the stop table, not the loop; the
 * sample reader is a thin front-end of the record reader. Property tests hold
 * both loops to csv-parse and to a naive byte-at-a-time model.
 */

export const LF = 0x0a;
export const CR = 0x0d;
export const UTF8_BOM: readonly number[] = [0xef, 0xbb, 0xbf];

/** A dialect's syntax bytes. */
export interface CsvSyntax {
  /** Field separator, e.g. 0x2c. */
  delimiter: number;
  /** Quote byte, e.g. 0x22. */
  quote: number;
}

export type LineEnding = '\n' | '\r\n' | '\r';

const isByte = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 0xff;

/** Throws a RangeError unless quote and delimiter are distinct bytes other than LF and CR. */
export function checkCsvSyntax(syntax: CsvSyntax): CsvSyntax {
  const { quote, delimiter } = syntax;
  if (!isByte(quote) || quote === LF || quote === CR) {
    throw new RangeError(`quote must be a byte other than LF or CR, got ${quote}`);
  }
  if (!isByte(delimiter) || delimiter === LF || delimiter === CR || delimiter === quote) {
    throw new RangeError(`delimiter must be a byte other than LF, CR or quote, got ${delimiter}`);
  }
  return syntax;
}

/** The syntax bytes of a dialect as jobs spell it (one-character strings). */
export const csvSyntaxOf = (dialect: { delimiter: string; quote: string }): CsvSyntax =>
  checkCsvSyntax({
    delimiter: dialect.delimiter.charCodeAt(0),
    quote: dialect.quote.charCodeAt(0),
  });

/** 3 when `buf` starts with a UTF-8 BOM, else 0. */
export const bomLength = (buf: Buffer): number =>
  buf[0] === UTF8_BOM[0] && buf[1] === UTF8_BOM[1] && buf[2] === UTF8_BOM[2] ? 3 : 0;

/** 1 for each byte that ends an unquoted field: the delimiter, LF and CR. */
export function fieldStops(delimiter: number): Uint8Array {
  const stops = new Uint8Array(256);
  stops[delimiter] = 1;
  stops[LF] = 1;
  stops[CR] = 1;
  return stops;
}

/** The terminator starting at `at` in `buf`, or '' when none does (the input ends there). */
export function lineEndingAt(buf: Buffer, at: number): LineEnding | '' {
  const c = buf[at];
  if (c === LF) return '\n';
  if (c === CR) return buf[at + 1] === LF ? '\r\n' : '\r';
  return '';
}

/** Where the first line break of `buf` ends (a CRLF counts as one), or -1 when it has none. */
export function afterFirstLineBreak(buf: Buffer): number {
  const lf = buf.indexOf(LF);
  const cr = buf.indexOf(CR);
  const at = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
  if (at < 0) return -1;
  return at + (buf[at] === CR && buf[at + 1] === LF ? 2 : 1);
}
