import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { ChunkPlannerOptions, PlannedChunk } from './chunk-planner';
import { planInPieces } from './test-support/plan-in-pieces';
import { referencePlan } from './test-support/reference-planner';

/**
 * Random RFC 4180 files (any delimiter, two quote bytes, LF / CRLF / CR /
 * mixed terminators, quoted newlines, doubled quotes, multi-byte UTF-8, blank
 * lines, final newline or not, a leading BOM) plus the malformed shapes
 * csv-parse reads leniently with `relax_quotes`: stray quotes inside unquoted
 * fields (`ab"c`) and text after a closing quote (`"ab"c`, `"a"b"c`). Fed in
 * random piece sizes at sampled chunk targets. csv-parse, with the loader's
 * options, is the oracle for record content; a naive byte-at-a-time state
 * machine is the oracle for exact chunk boundaries and line numbers.
 */

const TERMINATORS = ['\n', '\r\n', '\r'] as const;
const TEXT_UNITS = ['a', 'Z', '7', ' ', 'é', '€', 'ß', '😀', '中'];
const BOM = '\ufeff';

interface Dialect {
  delimiter: string;
  quote: string;
}

interface CsvCase {
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

const csvArb: fc.Arbitrary<CsvCase> = fc
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

const pieceLayoutArb = fc.oneof(
  fc.constant([1]),
  fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 6 }),
  fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 }),
);

interface ParsedRecord {
  record: string[];
  info: { lines: number; bytes: number };
}

/** The loader's csv-parse options (services/loader/src/copy-payload.ts), plus `info`. */
const parseCsv = (bytes: Buffer, dialect: Dialect): ParsedRecord[] =>
  parse(bytes, {
    bom: true,
    delimiter: dialect.delimiter,
    quote: dialect.quote,
    escape: dialect.quote, // csv-parse escapes with " by default, whatever the quote
    record_delimiter: [...TERMINATORS],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    // No generated file is malformed beyond what relax_quotes accepts: a skip would show as a lost record.
    skip_records_with_error: true,
    info: true,
  }) as unknown as ParsedRecord[]; // `info: true` changes the row shape; the typings do not follow

const countLineBreaks = (s: string): number => s.match(/\r\n|\r|\n/g)?.length ?? 0;

function checkPlan(c: CsvCase, target: number, layout: readonly number[]): void {
  const input = Buffer.from(c.text);
  const options: ChunkPlannerOptions = {
    targetChunkBytes: target,
    quote: c.dialect.quote.charCodeAt(0),
    delimiter: c.dialect.delimiter.charCodeAt(0),
    maxRecordBytes: 1 << 20,
    header: c.header,
  };
  const result = planInPieces(input, options, layout);
  const { chunks } = result;

  // Exactly the naive model's plan: same boundaries, lines, counts, header.
  const reference = referencePlan(input, options);
  expect(chunks).toEqual(reference.chunks);
  expect(result.header).toEqual(reference.header);

  const whole = parseCsv(input, c.dialect);
  const headerRecord = c.header ? whole[0] : undefined;
  const data = c.header ? whole.slice(1) : whole;

  // (a) contiguous, exact coverage of header-end..EOF.
  if (data.length === 0) {
    expect(chunks).toEqual([]);
  } else {
    expect(chunks[0]?.start).toBe(headerRecord?.info.bytes ?? 0);
    expect(chunks[chunks.length - 1]?.end).toBe(input.length);
    chunks.forEach((chunk, i) => {
      expect(chunk.index).toBe(i);
      if (i > 0) expect(chunk.start).toBe(chunks[i - 1]?.end);
    });
  }
  if (headerRecord !== undefined) {
    expect(parseCsv(result.header ?? Buffer.alloc(0), c.dialect)[0]?.record).toEqual(
      headerRecord.record,
    );
  }

  // (b) parsing every chunk alone and concatenating equals parsing the whole file.
  const perChunk = chunks.map((chunk) =>
    parseCsv(input.subarray(chunk.start, chunk.end), c.dialect),
  );
  expect(perChunk.flat().map((r) => r.record)).toEqual(data.map((r) => r.record));

  // (c) record counts agree everywhere.
  perChunk.forEach((records, i) => expect(records.length).toBe(chunks[i]?.records));
  expect(result.recordsFound).toBe(data.length);

  // (d) firstLine: independent line-break count, and csv-parse's line of the chunk's first record.
  const startLines = csvParseStartLines(whole).slice(c.header ? 1 : 0);
  let seen = 0;
  chunks.forEach((chunk: PlannedChunk) => {
    const prefix = input.subarray(0, chunk.start).toString('latin1');
    expect(chunk.firstLine).toBe(1 + countLineBreaks(prefix));
    // A BOM at byte 0 is not content: a BOM-only first line is blank.
    const first = chunk.start === 0 && c.text.startsWith(BOM) ? 3 : chunk.start;
    const startsWithBlankLine = input[first] === 0x0a || input[first] === 0x0d;
    if (!startsWithBlankLine) expect(chunk.firstLine).toBe(startLines[seen]);
    seen += chunk.records;
  });
}

/**
 * The line each record starts on, from csv-parse's `info.lines` (the line a
 * record ends on). csv-parse 7 counts a CRLF inside quotes as two lines (one
 * outside), so its quoted CRLFs so far are subtracted to match our count.
 */
function csvParseStartLines(records: ParsedRecord[]): number[] {
  let quotedCrlf = 0;
  return records.map(({ record, info }) => {
    quotedCrlf += record.reduce((sum, field) => sum + (field.match(/\r\n/g)?.length ?? 0), 0);
    const inner = record.reduce((sum, field) => sum + countLineBreaks(field), 0);
    return info.lines - quotedCrlf - inner;
  });
}

describe('ChunkPlanner and csv-parse on malformed input', () => {
  const dialect: Dialect = { delimiter: ',', quote: '"' };
  const options: ChunkPlannerOptions = {
    targetChunkBytes: 1,
    quote: 0x22,
    delimiter: 0x2c,
    maxRecordBytes: 1 << 20,
    header: true,
  };

  it('an unclosed quote: one planned record, which csv-parse skips as one error (a reject)', () => {
    const input = Buffer.from('h\na\n"b,c\nd\n');
    const { chunks } = planInPieces(input, options, [1]);
    expect(chunks.map((c) => c.records)).toEqual([1, 1]);
    const skipped: string[] = [];
    const last = chunks[1] ?? { start: 0, end: 0 };
    const records = parse(input.subarray(last.start, last.end), {
      delimiter: dialect.delimiter,
      quote: dialect.quote,
      escape: dialect.quote,
      relax_quotes: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        skipped.push(error?.code ?? '');
      },
    });
    expect(records).toEqual([]);
    expect(skipped).toEqual(['CSV_QUOTE_NOT_CLOSED']);
  });
});

describe('ChunkPlanner (property)', () => {
  it('plans exact, record-aligned chunks for random CSVs, piece sizes and targets', () => {
    fc.assert(
      fc.property(
        csvArb,
        pieceLayoutArb,
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 2, maxLength: 4 }),
        (c, layout, targets) => {
          for (const target of [1, ...targets]) checkPlan(c, target, layout);
        },
      ),
      { numRuns: 1200 },
    );
  });

  it('agrees with the model for every target from 1 to past the file size', () => {
    fc.assert(
      fc.property(csvArb, pieceLayoutArb, (c, layout) => {
        const input = Buffer.from(c.text);
        for (let target = 1; target <= input.length + 1; target++) {
          const options: ChunkPlannerOptions = {
            targetChunkBytes: target,
            quote: c.dialect.quote.charCodeAt(0),
            delimiter: c.dialect.delimiter.charCodeAt(0),
            maxRecordBytes: 1 << 20,
            header: c.header,
          };
          const { chunks, recordsFound } = planInPieces(input, options, layout);
          const reference = referencePlan(input, options);
          expect(chunks).toEqual(reference.chunks);
          expect(recordsFound).toBe(reference.records);
        }
      }),
      { numRuns: 250 },
    );
  });
});
