import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { ChunkPlannerOptions, PlannedChunk } from './chunk-planner';
import {
  BOM,
  countLineBreaks,
  csvArb,
  csvParseStartLines,
  parseCsv,
  pieceLayoutArb,
  type CsvCase,
  type Dialect,
} from './test-support/csv-cases';
import { planInPieces } from './test-support/plan-in-pieces';
import { referencePlan } from './test-support/reference-planner';

/**
 * Random files (test-support/csv-cases) fed in random piece sizes at sampled
 * chunk targets. csv-parse is the oracle for record content; a naive
 * byte-at-a-time state machine is the oracle for exact chunk boundaries and
 * line numbers.
 */

function checkPlan(c: CsvCase, target: number, layout: readonly number[], first?: number): void {
  const input = Buffer.from(c.text);
  const options: ChunkPlannerOptions = {
    targetChunkBytes: target,
    ...(first !== undefined ? { firstChunkBytes: first } : {}),
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
        fc.integer({ min: 1, max: 60 }),
        (c, layout, targets, first) => {
          for (const target of [1, ...targets]) {
            checkPlan(c, target, layout);
            // First chunks ramping up from a smaller target.
            checkPlan(c, target, layout, first);
          }
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

describe('ChunkPlanner resumed at a chunk end (property)', () => {
  it('plans exactly the chunks a whole scan plans after that point', () => {
    fc.assert(
      fc.property(
        csvArb,
        pieceLayoutArb,
        fc.integer({ min: 1, max: 200 }),
        fc.nat(),
        fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        (c, layout, target, pick, first) => {
          const input = Buffer.from(c.text);
          const options: ChunkPlannerOptions = {
            targetChunkBytes: target,
            ...(first !== undefined ? { firstChunkBytes: first } : {}),
            quote: c.dialect.quote.charCodeAt(0),
            delimiter: c.dialect.delimiter.charCodeAt(0),
            maxRecordBytes: 1 << 20,
            header: c.header,
          };
          const whole = planInPieces(input, options, layout);
          const resumable = whole.chunks.filter((chunk) => chunk.end >= 3);
          const last = resumable[pick % Math.max(1, resumable.length)];
          if (last === undefined) return;
          const before = whole.chunks.slice(0, last.index + 1);
          const resumed = planInPieces(
            input.subarray(last.end),
            {
              ...options,
              resumeAt: {
                offset: last.end,
                line: last.endLine,
                chunks: before.length,
                records: before.reduce((n, chunk) => n + chunk.records, 0),
                header: whole.header,
              },
            },
            layout,
          );
          expect([...before, ...resumed.chunks]).toEqual(whole.chunks);
          expect(resumed.recordsFound).toBe(whole.recordsFound);
          expect(resumed.bytesScanned).toBe(input.length);
          expect(resumed.header).toEqual(whole.header);
        },
      ),
      { numRuns: 600 },
    );
  });
});
