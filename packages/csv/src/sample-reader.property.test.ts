import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvSyntaxOf } from './csv-syntax';
import { readFirstRecord, readHeaderCells, readSampleRecords } from './sample-reader';
import { csvArb, csvParseOptions, parseCsv, type Dialect } from './test-support/csv-cases';

/**
 * The sample front-end against csv-parse over random files: whole files,
 * samples cut at random places, and header records. The cut-sample oracle is
 * how the splitter trimmed samples as text before it read them with csv-parse:
 * up to the first line break, and after the last one.
 */

function csvParseSample(
  sample: Buffer,
  dialect: Dialect,
  cutStart: boolean,
  cutEnd: boolean,
): string[][] {
  let text = sample.toString('utf8');
  if (cutStart) {
    const first = text.search(/\r\n|\n|\r/);
    text = first < 0 ? '' : text.slice(first + 1).replace(/^\n/, '');
  }
  if (cutEnd) {
    const last = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    text = last < 0 ? '' : text.slice(0, last);
  }
  return parse(text, { ...csvParseOptions(dialect), bom: !cutStart });
}

describe('sample reader (property)', () => {
  it('reads whole files exactly as csv-parse does', () => {
    fc.assert(
      fc.property(csvArb, (c) => {
        const input = Buffer.from(c.text);
        const got = readSampleRecords(input, csvSyntaxOf(c.dialect), {
          cutStart: false,
          cutEnd: false,
        });
        expect(got.map((r) => r.fields)).toEqual(parseCsv(input, c.dialect).map((r) => r.record));
      }),
      { numRuns: 1500 },
    );
  });

  it('reads a sample cut anywhere as csv-parse reads its trimmed text', () => {
    fc.assert(
      fc.property(
        csvArb,
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (c, a, b) => {
          const input = Buffer.from(c.text);
          const start = a % (input.length + 1);
          const end = start + (b % (input.length - start + 1));
          const cutStart = start > 0;
          const cutEnd = end < input.length;
          const sample = input.subarray(start, end);
          const got = readSampleRecords(sample, csvSyntaxOf(c.dialect), { cutStart, cutEnd });
          expect(got.map((r) => r.fields)).toEqual(
            csvParseSample(sample, c.dialect, cutStart, cutEnd),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads the header record as csv-parse reads the first record', () => {
    fc.assert(
      fc.property(csvArb, (c) => {
        const input = Buffer.from(c.text);
        const expected = parse(input, { ...csvParseOptions(c.dialect), bom: true, to: 1 });
        const syntax = csvSyntaxOf(c.dialect);
        if (expected.length === 0) {
          expect(() => readHeaderCells(input, syntax)).toThrow('no header');
        } else {
          expect(readHeaderCells(input, syntax)).toEqual(expected[0]);
          expect(readFirstRecord(input, syntax)?.fields).toEqual(expected[0]);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
