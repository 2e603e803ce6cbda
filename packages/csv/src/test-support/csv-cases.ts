import { parse } from 'csv-parse/sync';
import fc from 'fast-check';

/**
 * Random RFC 4180 files (any delimiter, two quote bytes, LF / CRLF / CR /
 * mixed terminators, quoted newlines, doubled quotes, multi-byte UTF-8, blank
 * lines, final newline or not, a leading BOM) plus the malformed shapes
 * csv-parse reads leniently with `relax_quotes`: stray quotes inside unquoted
 * fields (`ab"c`) and text after a closing quote (`"ab"c`, `"a"b"c`), with
 * csv-parse as the oracle.
 */

export const TERMINATORS = ['\n', '\r\n', '\r'] as const;
const TEXT_UNITS = ['a', 'Z', '7', ' ', 'é', '€', 'ß', '😀', '中'];
export const BOM = '\ufeff';

export interface Dialect {
  delimiter: string;
  quote: string;
}

export interface CsvCase {
  dialect: Dialect;
  text: string;
  header: boolean;
}

const fieldArb = ({ delimiter, quote }: Dialect): fc.Arbitrary<string> => {
  const otherQuote = quote === '"' ? "'" : '"';
  // Unquoted text: a quote may appear anywhere but first (there it would open a quoted field).
  const unquoted = (minLength: number): fc.Arbitrary<string> =>
    fc
      .tuple(
        fc.constantFrom(...TEXT_UNITS, otherQuote),
        fc.array(fc.constantFrom(...TEXT_UNITS, otherQuote, quote), { maxLength: 4 }),
      )
      .map(([first, rest]) => first + rest.join(''))
      .filter((text) => text.length >= minLength);
  const plain = fc.oneof(fc.constant(''), unquoted(1));
  const quoted = fc
    .tuple(
      fc.array(
        fc.constantFrom(...TEXT_UNITS, delimiter, quote + quote, '\n', '\r\n', '\r', otherQuote),
        { maxLength: 6 },
      ),
      // Text after the closing quote: csv-parse keeps it, and the field is unquoted from there.
      fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: unquoted(1) }),
    )
    .map(([units, after]) => `${quote}${units.join('')}${quote}${after}`);
  return fc.oneof(plain, quoted);
};

export const csvArb: fc.Arbitrary<CsvCase> = fc
  .record({
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    quote: fc.constantFrom('"', '"', '"', "'"),
  })
  .chain((dialect) => {
    const record = fc.oneof(
      { weight: 6, arbitrary: fc.array(fieldArb(dialect), { minLength: 1, maxLength: 5 }) },
      { weight: 1, arbitrary: fc.constant([] as string[]) }, // a blank line
    );
    return fc.record({
      dialect: fc.constant(dialect),
      lines: fc.array(fc.tuple(record, fc.constantFrom(...TERMINATORS)), { maxLength: 25 }),
      terminatorMode: fc.constantFrom('\n', '\r\n', 'mixed'),
      finalNewline: fc.boolean(),
      header: fc.boolean(),
      bom: fc.boolean(),
    });
  })
  .map(({ dialect, lines, terminatorMode, finalNewline, header, bom }) => {
    const text =
      (bom ? BOM : '') +
      lines
        .map(([fields, mixed], i) => {
          const last = i === lines.length - 1;
          const terminator = terminatorMode === 'mixed' ? mixed : terminatorMode;
          return fields.join(dialect.delimiter) + (last && !finalNewline ? '' : terminator);
        })
        .join('');
    return { dialect, text, header };
  });

export const pieceLayoutArb = fc.oneof(
  fc.constant([1]),
  fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 6 }),
  fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 }),
);

export interface ParsedRecord {
  record: string[];
  info: { lines: number; bytes: number };
}

/**
 * csv-parse set to read by the rules of csv-syntax.ts: the oracle every
 * reader of this package is tested against.
 */
export const csvParseOptions = (dialect: Dialect) => ({
  delimiter: dialect.delimiter,
  quote: dialect.quote,
  escape: dialect.quote, // csv-parse escapes with " by default, whatever the quote
  record_delimiter: [...TERMINATORS],
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  // No generated file is malformed beyond what relax_quotes accepts: a skip would show as a lost record.
  skip_records_with_error: true,
});

/** csv-parse over a whole file (a BOM skipped), with each record's `info`. */
export const parseCsv = (bytes: Buffer, dialect: Dialect): ParsedRecord[] =>
  parse(bytes, {
    ...csvParseOptions(dialect),
    bom: true,
    info: true,
  }) as unknown as ParsedRecord[]; // `info: true` changes the row shape; the typings do not follow

export const countLineBreaks = (s: string): number => s.match(/\r\n|\r|\n/g)?.length ?? 0;

/**
 * The line each record starts on, from csv-parse's `info.lines` (the line a
 * record ends on). csv-parse 7 counts a CRLF inside quotes as two lines (one
 * outside), so its quoted CRLFs so far are subtracted to match our count.
 */
export function csvParseStartLines(records: ParsedRecord[]): number[] {
  let quotedCrlf = 0;
  return records.map(({ record, info }) => {
    quotedCrlf += record.reduce((sum, field) => sum + (field.match(/\r\n/g)?.length ?? 0), 0);
    const inner = record.reduce((sum, field) => sum + countLineBreaks(field), 0);
    return info.lines - quotedCrlf - inner;
  });
}
