import { isAppError } from '@ingest/errors';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvParseOptions } from './test-support/csv-cases';
import { csvSyntaxOf } from './csv-syntax';
import {
  readFirstRecord,
  firstRecordLine,
  readHeaderCells,
  readSampleRecords,
  type SampleReadOptions,
  type SampleRecord,
} from './sample-reader';

const COMMA = csvSyntaxOf({ delimiter: ',', quote: '"' });
const WHOLE: SampleReadOptions = { cutStart: false, cutEnd: false };

const read = (text: string, options: Partial<SampleReadOptions> = {}): SampleRecord[] =>
  readSampleRecords(Buffer.from(text), COMMA, { ...WHOLE, ...options });
const fields = (records: SampleRecord[]): string[][] => records.map((r) => r.fields);

describe('readSampleRecords', () => {
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
    ['a BOM at the start is skipped', '\ufeff"a",b', [['a', 'b']]],
  ])('%s', (_name, text, expected) => {
    expect(fields(read(text))).toEqual(expected);
  });

  it('reports each record terminator', () => {
    expect(read('a\r\nb\nc\rd').map((r) => r.terminator)).toEqual(['\r\n', '\n', '\r', '']);
  });

  it('drops a record cut inside a quoted field', () => {
    expect(fields(read('a,b\n"c,d\ne'))).toEqual([['a', 'b']]);
  });

  it('counts cleanly quoted fields only', () => {
    expect(read('"a","b"c,"d"\n')[0]?.quotedFields).toBe(2);
  });

  it('stops after maxRecords', () => {
    expect(fields(read('a\nb\n"c\n', { maxRecords: 2 }))).toEqual([['a'], ['b']]);
  });

  it('drops the partial first line of a sample cut from inside the file', () => {
    expect(fields(read('x"y,z\r\na,b\n', { cutStart: true }))).toEqual([['a', 'b']]);
    expect(fields(read('no line break', { cutStart: true }))).toEqual([]);
    // A BOM is only skipped where the file starts.
    expect(fields(read('x\n\ufeffa', { cutStart: true }))).toEqual([['\ufeffa']]);
  });

  it('drops the unterminated last record of a sample that ends before the file', () => {
    expect(fields(read('a\nb', { cutEnd: true }))).toEqual([['a']]);
    expect(fields(read('a\nb\r', { cutEnd: true }))).toEqual([['a'], ['b']]);
    expect(fields(read('a\n"b\nc"', { cutEnd: true }))).toEqual([['a']]);
  });

  it('reads any text exactly as csv-parse with relax_quotes does', () => {
    const alphabet = ['a', 'é', ' ', ',', ';', '"', "'", '\n', '\r', '\r\n'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((u) => u.join('')),
        fc.constantFrom(',', ';'),
        fc.constantFrom('"', "'"),
        (text, delimiter, quote) => {
          const expected = parse(text, csvParseOptions({ delimiter, quote }));
          const got = readSampleRecords(
            Buffer.from(text),
            csvSyntaxOf({ delimiter, quote }),
            WHOLE,
          );
          expect(fields(got)).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('readHeaderCells', () => {
  const header = (text: string): unknown => {
    try {
      return readHeaderCells(Buffer.from(text), COMMA);
    } catch (e) {
      return isAppError(e) ? e.code : e;
    }
  };

  it.each<[name: string, text: string, expected: unknown]>([
    ['cells as written, untrimmed', ' id ,"Full, name"', [' id ', 'Full, name']],
    ['a quoted line break', 'a,"b\r\nc"', ['a', 'b\r\nc']],
    ['a BOM is skipped', '\ufeffid,name', ['id', 'name']],
    ['only the first record counts', 'a,b\nc,d,e\n', ['a', 'b']],
    ['nothing at all is no header', '', 'CSV_NO_HEADER'],
    ['blank lines are no header', '\r\n\n', 'CSV_NO_HEADER'],
    ['a quote never closed says so', 'a,"b,c\nd', 'CSV_QUOTE_NOT_CLOSED'],
    ['a NUL byte is an invalid header', 'id,na\0me\n', 'CSV_INVALID_HEADER'],
  ])('%s', (_name, text, expected) => {
    expect(header(text)).toEqual(expected);
  });
});

describe('firstRecordLine', () => {
  it.each<[text: string, line: number]>([
    ['a,b\n', 1],
    ['\n\r\n\ra,b', 4],
    ['\ufeff\na', 2],
    ['', 1],
  ])('%j starts on line %d', (text, line) => {
    expect(firstRecordLine(Buffer.from(text))).toBe(line);
  });
});

describe('readFirstRecord', () => {
  it('skips blank lines before the first record and reads only it', () => {
    expect(readFirstRecord(Buffer.from('\r\n\na,b,c\nd\n'), COMMA)).toEqual({
      fields: ['a', 'b', 'c'],
      unclosedQuote: false,
    });
  });

  it('says when the first record runs to the end inside quotes', () => {
    expect(readFirstRecord(Buffer.from('a,"b\nc'), COMMA)?.unclosedQuote).toBe(true);
  });

  it('is undefined without a record', () => {
    expect(readFirstRecord(Buffer.from('\n'), COMMA)).toBeUndefined();
  });
});
