import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { parseSampleRecords, type SampleParse } from './sample-records';

const fields = (r: SampleParse): string[][] => r.records.map((record) => record.fields);

describe('parseSampleRecords', () => {
  it.each<[name: string, text: string, expected: string[][]]>([
    [
      'plain records',
      'a,b\nc,d\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['quoted delimiter and newline', '"a,b","c\nd"\n', [['a,b', 'c\nd']]],
    ['escaped quote', '"a""b",c', [['a"b', 'c']]],
    ['stray quote in an unquoted field is data', 'ab"c,d', [['ab"c', 'd']]],
    ['text after a closing quote is kept, quotes included', '"ab"c,d', [['"ab"c', 'd']]],
    ['blank lines are skipped', '\n\r\na\n\n', [['a']]],
    ['empty fields', ',\n""', [['', ''], ['']]],
    ['another quote byte is data', "'a,b',c", [["'a", "b'", 'c']]],
  ])('%s', (_name, text, expected) => {
    const result = parseSampleRecords(text, ',', '"', 100);
    expect(fields(result)).toEqual(expected);
    expect(result.openQuote).toBe(false);
  });

  it('reports each record terminator', () => {
    const result = parseSampleRecords('a\r\nb\nc\rd', ',', '"', 100);
    expect(result.records.map((r) => r.terminator)).toEqual(['\r\n', '\n', '\r', '']);
  });

  it('drops a record cut inside a quoted field and says so', () => {
    const result = parseSampleRecords('a,b\n"c,d\ne', ',', '"', 100);
    expect(fields(result)).toEqual([['a', 'b']]);
    expect(result.openQuote).toBe(true);
  });

  it('counts cleanly quoted fields only', () => {
    const result = parseSampleRecords('"a","b"c,"d"\n', ',', '"', 100);
    expect(result.records[0]?.quotedFields).toBe(2);
  });

  it('stops after maxRecords', () => {
    const result = parseSampleRecords('a\nb\n"c\n', ',', '"', 2);
    expect(fields(result)).toEqual([['a'], ['b']]);
    expect(result.openQuote).toBe(false);
  });

  it('reads any text exactly as csv-parse with relax_quotes does', () => {
    const alphabet = ['a', 'é', ' ', ',', ';', '"', "'", '\n', '\r', '\r\n'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((u) => u.join('')),
        fc.constantFrom(',', ';'),
        fc.constantFrom('"', "'"),
        (text, delimiter, quote) => {
          const expected = parse(text, {
            delimiter,
            quote,
            escape: quote,
            record_delimiter: ['\r\n', '\n', '\r'],
            relax_column_count: true,
            relax_quotes: true,
            skip_empty_lines: true,
            skip_records_with_error: true,
          });
          expect(fields(parseSampleRecords(text, delimiter, quote, 1000))).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
