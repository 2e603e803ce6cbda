import { AppError } from '@ingest/errors';
import { compileColumns, headerKey } from './compile-columns';
import { parseTableSchema } from './parse-table-schema';

const schema = parseTableSchema({
  timezone: 'Europe/Berlin',
  key: ['id'],
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'email', source: 'E-Mail Address', type: 'email', required: true },
    { name: 'amount', type: 'numeric', format: 'de', precision: 10, scale: 2 },
    { name: 'seen_at', source: 'Seen At', type: 'timestamptz', format: 'DD.MM.YYYY HH:mm' },
    { name: 'active', type: 'boolean', default: false },
    { name: 'note', type: 'text' },
  ],
});
const header = ['ID', ' e-mail  ADDRESS', 'Amount', 'seenat', 'Extra'];

describe('compileColumns', () => {
  const n = compileColumns(schema, header);

  it('maps columns by source, ignoring case and whitespace', () => {
    expect(n.columns).toEqual(['id', 'email', 'amount', 'seen_at', 'active', 'note']);
    expect(n.sourceIndex).toEqual([0, 1, 2, 3, -1, -1]);
    expect(n.missing).toEqual(['active', 'note']);
    expect(n.unused).toEqual(['Extra']);
    expect(n.types).toEqual(['integer', 'email', 'numeric', 'timestamptz', 'boolean', 'text']);
  });

  it.each([
    [
      'a clean row',
      ['1', 'Ann@Example.COM', '1.234,5', '27.03.2024 14:05', 'x'],
      {
        ok: true,
        values: ['1', 'Ann@example.com', '1234.5', '2024-03-27 14:05:00+01:00', 'f', null],
      },
    ],
    [
      'Unicode whitespace and nulls',
      ['\u00a02\u2003', ' bob@x.org ', 'N/A', '', ''],
      { ok: true, values: ['2', 'bob@x.org', null, null, 'f', null] },
    ],
    [
      'the first bad column',
      ['3', 'not an email', 'zwölf', '', ''],
      { ok: false, column: 'email', code: 'INVALID_EMAIL' },
    ],
    [
      'a missing key',
      ['', 'a@b.co', '1', '', ''],
      { ok: false, column: 'id', code: 'REQUIRED_VALUE_MISSING' },
    ],
    [
      'a numeric overflow',
      ['4', 'a@b.co', '123.456.789,00', '', ''],
      { ok: false, column: 'amount', code: 'NUMERIC_OUT_OF_RANGE' },
    ],
    [
      'a short record reads empty fields',
      ['5', 'a@b.co'],
      { ok: true, values: ['5', 'a@b.co', null, null, 'f', null] },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(n.normalizeRow(fields)).toMatchObject(expected);
  });

  it('names the value in reject messages', () => {
    const r = n.normalizeRow(['x1', 'a@b.co', '', '', '']);
    expect(r).toEqual({
      ok: false,
      column: 'id',
      code: 'INVALID_INTEGER',
      message: '"x1" is not an integer',
    });
  });

  it('returns a fresh values array per row', () => {
    const a = n.normalizeRow(['1', 'a@b.co', '', '', '']);
    const b = n.normalizeRow(['2', 'a@b.co', '', '', '']);
    expect(a.ok && b.ok && a.values !== b.values && a.values[0] === '1').toBe(true);
  });

  const missingError = (h: string[], s = schema) => {
    try {
      compileColumns(s, h);
      return null;
    } catch (e) {
      return e instanceof AppError ? [e.code, e.httpStatus, e.message] : e;
    }
  };

  it('fails when a required column is missing, naming it', () => {
    expect(missingError(['id', 'amount'])).toEqual([
      'SCHEMA_COLUMN_MISSING',
      422,
      `the file's header lacks required column "email" (source "E-Mail Address")`,
    ]);
  });

  it('fails for NOT NULL columns without a default, too (key columns included)', () => {
    expect(missingError(['amount'])).toEqual([
      'SCHEMA_COLUMN_MISSING',
      422,
      `the file's header lacks required columns "id", "email" (source "E-Mail Address")`,
    ]);
  });

  it('takes repeated header cells in order when as many columns read them', () => {
    const s = parseTableSchema({
      columns: [
        { name: 'a', source: 'x', type: 'text' },
        { name: 'b', source: 'X ', type: 'text' },
      ],
    });
    expect(compileColumns(s, ['x', 'y', 'x']).sourceIndex).toEqual([0, 2]);
    expect(missingError(['x', 'y', 'x', 'x'], s)).toEqual([
      'SCHEMA_INVALID',
      400,
      'columns[0].source: "x" matches 3 header cells (positions 1, 3, 4); declare one column per occurrence',
    ]);
  });

  it('lets two columns read the same single header cell', () => {
    const s = parseTableSchema({
      columns: [
        { name: 'raw', source: 'v', type: 'text' },
        { name: 'num', source: 'v', type: 'integer' },
      ],
    });
    expect(compileColumns(s, ['v']).normalizeRow(['7'])).toEqual({ ok: true, values: ['7', '7'] });
  });
});

describe('headerKey', () => {
  it.each([
    ['Order ID', 'orderid'],
    ['\ufeffid', 'id'],
    ['  E-Mail\u00a0Address ', 'e-mailaddress'],
    ['Straße', 'straße'],
    ['Cafe\u0301', 'café'], // NFC
  ])('%j → %j', (cell, expected) => {
    expect(headerKey(cell)).toBe(expected);
  });
});
