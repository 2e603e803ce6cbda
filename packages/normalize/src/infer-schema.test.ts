import { compileColumns } from './compile-columns';
import { inferSchema } from './infer-schema';
import { parseTableSchema } from './parse-table-schema';

/** Infers one column from its sample values. */
const infer1 = (values: string[]) => {
  const r = inferSchema(
    ['c'],
    values.map((v) => [v]),
  );
  return r.columns[0] as NonNullable<(typeof r.columns)[number]>;
};
const many = (fn: (i: number) => string, n = 30) => Array.from({ length: n }, (_v, i) => fn(i));

describe('inferSchema: types', () => {
  it.each<[string, string[], string, string | undefined]>([
    ['yes/no', ['yes', 'no', 'Yes', 'NO'], 'boolean', undefined],
    ['true/false/t/f', ['true', 'f', 'T', 'FALSE'], 'boolean', undefined],
    ['booleans mixed with 0/1', ['yes', '0', '1', 'no'], 'boolean', undefined],
    ['0/1 only stays integer', ['0', '1', '1', '0'], 'integer', undefined],
    ['integers', ['1', '-20', '300', '+4'], 'integer', undefined],
    ['grouped integers', ['1,234', '56', '7,890,123'], 'integer', undefined],
    ['integers near int4 get bigint', ['1', '2000000000'], 'bigint', undefined],
    ['bigints', ['1', '9000000000'], 'bigint', undefined],
    ['beyond bigint', ['1', '99999999999999999999'], 'numeric', undefined],
    ['decimals', ['1.5', '-2.25', '3'], 'numeric', undefined],
    ['German decimals', ['1.234,5', '12,75', '3'], 'numeric', 'de'],
    ['German grouped integers', ['1.234.567', '12'], 'integer', 'de'],
    ['leading zeros are identifiers', ['00123', '04567'], 'text', undefined],
    ['exponents stay text', ['1E5', '2E7'], 'text', undefined],
    ['ISO dates', ['2024-03-27', '2024-02-29'], 'date', undefined],
    ['US dates with a day over 12', ['03/27/2024', '04/01/2024'], 'date', 'MM/DD/YYYY'],
    ['European dates with a day over 12', ['27/03/2024', '01/04/2024'], 'date', 'DD/MM/YYYY'],
    ['dotted dates are day-first', ['01.04.2024', '02.05.2024'], 'date', 'DD.MM.YYYY'],
    ['unpadded US dates', ['3/27/2024', '12/1/2024'], 'date', 'MM/DD/YYYY'],
    ['month names', ['27-Mar-2024', '01-Apr-2024'], 'date', 'DD-MMM-YYYY'],
    ['ISO timestamps', ['2024-03-27 10:00:00', '2024-03-27T11:30'], 'timestamp', undefined],
    [
      'ISO timestamps with offsets',
      ['2024-03-27T10:00:00Z', '2024-03-27T10:00:00+02:00'],
      'timestamptz',
      undefined,
    ],
    ['mixed offsets', ['2024-03-27T10:00:00Z', '2024-03-27 10:00:00'], 'timestamptz', undefined],
    ['dates and timestamps', ['2024-03-27', '2024-03-27 10:00'], 'timestamp', undefined],
    ['US timestamps', ['03/27/2024 14:05', '12/01/2024 09:00'], 'timestamp', 'MM/DD/YYYY HH:mm'],
    [
      '12-hour timestamps',
      ['3/27/2024 2:05 PM', '12/1/2024 9:00 AM'],
      'timestamp',
      'MM/DD/YYYY h:mm A',
    ],
    [
      'uuids',
      ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12'],
      'uuid',
      undefined,
    ],
    ['json objects', ['{"a":1}', '[1,2]'], 'json', undefined],
    ['json scalars are text', ['1', '"a"', '{"a":1}'], 'text', undefined],
    ['emails are text', ['a@b.com', 'c@d.org'], 'text', undefined],
    ['names', ['Anna', 'Bob'], 'text', undefined],
    ['an invalid date makes text', ['2024-03-27', '2024-02-30'], 'text', undefined],
    ['one odd value makes text', ['1', '2', 'three'], 'text', undefined],
  ])('%s → %s %s', (_name, values, type, format) => {
    const c = infer1(values);
    expect([c.type, c.format]).toEqual([type, format]);
  });
});

describe('inferSchema: ambiguity and confidence', () => {
  it('does not guess between MM/DD and DD/MM', () => {
    const c = infer1(['03/04/2024', '05/06/2024', '01/01/2024']);
    expect(c.type).toBe('text');
    expect(c.confidence).toBe(0.5);
    expect(c.notes[0]).toMatch(
      /ambiguous dates: "MM\/DD\/YYYY" and "DD\/MM\/YYYY" both read every sample/,
    );
  });

  it('does not guess the decimal mark of 1,234', () => {
    const c = infer1(['1,234', '5,678']);
    expect(c.type).toBe('text');
    expect(c.notes[0]).toMatch(/decimal mark/);
  });

  it('grows confidence with disambiguating samples', () => {
    const date = (i: number, day: number) =>
      `${String((i % 12) + 1).padStart(2, '0')}/${String(day).padStart(2, '0')}/2024`;
    const one = infer1(many((i) => date(i, i === 0 ? 27 : 5)));
    const three = infer1(many((i) => date(i, i < 3 ? 27 : 5)));
    expect([one.format, one.confidence]).toEqual(['MM/DD/YYYY', 0.67]);
    expect([three.format, three.confidence]).toEqual(['MM/DD/YYYY', 1]);
  });

  it('scales confidence with the sample size', () => {
    expect(infer1(['1', '2']).confidence).toBe(0.1);
    expect(infer1(many((i) => String(i))).confidence).toBe(1);
  });

  it('notes what it saw', () => {
    expect(infer1(['0', '1']).notes).toContain('only 0 and 1: integer, not boolean');
    expect(infer1(['a@b.com']).notes[0]).toMatch(/declare type "email"/);
    expect(infer1(['2024-03-27T10:00:00Z', '2024-03-27 10:00']).notes[0]).toMatch(
      /lack a UTC offset/,
    );
  });

  it('counts nulls and handles an all-null column', () => {
    const c = infer1(['', 'NULL', 'N/A', ' ']);
    expect(c).toMatchObject({ type: 'text', confidence: 0, samples: 0, nulls: 4 });
    expect(infer1(['1', '', '-', '2'])).toMatchObject({ type: 'integer', samples: 2, nulls: 2 });
  });

  it('uses the given null tokens', () => {
    const r = inferSchema(['c'], [['1'], ['?'], ['NA']], { nullTokens: ['?'] });
    expect(r.columns[0]?.type).toBe('text');
  });
});

describe('inferSchema: the result loads', () => {
  const header = ['ID', 'When', 'Amount', 'Active', 'select', 'select', ''];
  const rows = [
    ['1', '03/27/2024', '1.234,5', 'yes', 'a', 'x', '2024-01-01T10:00:00Z'],
    ['2', '04/13/2024', '12,75', 'no', 'b', 'y', ''],
    ['3', '', 'N/A', 'YES', 'c', 'z', '2024-01-02 10:00:00+02:00'],
  ];
  const inferred = inferSchema(header, rows);

  it('names columns safely and keeps the header as source', () => {
    expect(inferred.schema.columns.map((c) => [c.name, c.source, c.type])).toEqual([
      ['id', 'ID', 'integer'],
      ['when_', 'When', 'date'],
      ['amount', 'Amount', 'numeric'],
      ['active', 'Active', 'boolean'],
      ['select_', 'select', 'text'],
      ['select_2', 'select', 'text'],
      ['column_7', '', 'timestamptz'],
    ]);
  });

  it('is a valid schema that reads every sample row', () => {
    const schema = parseTableSchema(inferred.schema);
    const n = compileColumns(schema, header);
    expect(rows.map((r) => n.normalizeRow(r))).toEqual([
      { ok: true, values: ['1', '2024-03-27', '1234.5', 't', 'a', 'x', '2024-01-01T10:00:00Z'] },
      { ok: true, values: ['2', '2024-04-13', '12.75', 'f', 'b', 'y', null] },
      { ok: true, values: ['3', null, null, 't', 'c', 'z', '2024-01-02 10:00:00+02:00'] },
    ]);
  });
});
