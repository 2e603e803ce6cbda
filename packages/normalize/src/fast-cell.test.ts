import fc from 'fast-check';
import { compileColumns } from './compile-columns';
import { formatDate } from './calendar';
import { CELL_DATE, CELL_NULL, CELL_OUT, CELL_SAME, CELL_SLOW, type FastCell } from './fast-cell';
import type { ColumnSpec, TableSchema } from './table-schema';
import { endsWithSpace, startsWithSpace } from './whitespace';

/** The first column of a one-column schema: its string normalizer and its byte path. */
function column(spec: Omit<ColumnSpec, 'name'>, schema: Partial<TableSchema> = {}) {
  const normalizer = compileColumns({ ...schema, columns: [{ name: 'c', ...spec }] }, ['c']);
  const cell = normalizer.cells[0];
  if (!cell) throw new Error('no cell');
  return cell;
}

/** What the byte path says about `value`, in the string path's terms (undefined: it defers). */
function fastValue(fast: FastCell, value: string): string | null | undefined {
  const bytes = Buffer.from(`«${value}»`);
  const start = Buffer.byteLength('«');
  const end = bytes.length - start;
  const outcome = fast.read(bytes, start, end);
  switch (outcome) {
    case CELL_SAME:
      return bytes.toString('utf8', start, end);
    case CELL_NULL:
      return null;
    case CELL_OUT:
      return fast.out.toString('latin1', 0, fast.outLength);
    case CELL_DATE:
      return formatDate(fast.year, fast.month, fast.day);
    case CELL_SLOW:
      return undefined;
  }
}

/** Strings built from the characters that matter to a type, so edge shapes come up often. */
const textOf = (units: string[], maxLength = 24) =>
  fc.array(fc.constantFrom(...units), { maxLength }).map((u) => u.join(''));

const DIGITS = '0123456789'.split('');
/** A null token longer than 31 bytes: past the per-length bits of the first-byte screen. */
const LONG_TOKEN = 'Nothing was recorded for this value';
const SPACES = [' ', '\t', '\u00a0', '\u3000', '\ufeff', '\u2009'];

interface Case {
  name: string;
  spec: Omit<ColumnSpec, 'name'>;
  schema?: Partial<TableSchema>;
  values: fc.Arbitrary<string>;
  /** Values the byte path must decide itself (not defer): proof that it is used at all. */
  decided: string[];
}

const CASES: Case[] = [
  {
    name: 'text',
    spec: { type: 'text' },
    values: textOf(['a', 'é', ' ', 'N', 'U', 'L', '\\', '\t', '\n', '-', '/', 'A', ...SPACES]),
    decided: ['abc', 'café', 'NULL', '', 'x\ty'],
  },
  {
    name: 'text without empty as a null token',
    spec: { type: 'text' },
    schema: { null_tokens: ['-'] },
    values: textOf(['a', '-', ' ', '']),
    decided: ['', '-', 'a'],
  },
  {
    name: 'text with null tokens sharing a first byte, one of 32 bytes or more',
    spec: { type: 'text' },
    schema: { null_tokens: ['N', 'NA', LONG_TOKEN, 'x'] },
    values: fc.oneof(
      textOf(['N', 'A', 'o', 'x', ' ']),
      fc.constantFrom(
        LONG_TOKEN,
        LONG_TOKEN.slice(0, -1),
        `${LONG_TOKEN}!`,
        LONG_TOKEN.slice(0, 32),
      ),
    ),
    decided: ['N', 'NA', LONG_TOKEN, 'x', 'No', LONG_TOKEN.slice(0, -1)],
  },
  {
    name: 'integer',
    spec: { type: 'integer' },
    values: textOf([...DIGITS, '-', '+', '.', ',', ' ', 'e'], 14),
    decided: ['0', '-12', '123456789', 'NA'],
  },
  {
    name: 'bigint',
    spec: { type: 'bigint' },
    values: textOf([...DIGITS, '-', '.'], 22),
    decided: ['9223372036854775', '-1'],
  },
  {
    name: 'numeric',
    spec: { type: 'numeric' },
    values: textOf([...DIGITS, '-', '.', ',', 'e', ' '], 16),
    decided: ['0.5', '-12.25', '100'],
  },
  {
    name: 'numeric(5,2)',
    spec: { type: 'numeric', precision: 5, scale: 2 },
    values: textOf([...DIGITS, '-', '.'], 10),
    decided: ['123.45', '0.1'],
  },
  {
    name: 'numeric in a comma-decimal locale (string path only)',
    spec: { type: 'numeric' },
    schema: { locale: 'de' },
    values: textOf([...DIGITS, '.', ','], 8),
    decided: [],
  },
  {
    name: 'boolean',
    spec: { type: 'boolean' },
    values: textOf([
      't',
      'r',
      'u',
      'e',
      'f',
      'a',
      'l',
      's',
      'Y',
      'E',
      'S',
      'n',
      'o',
      '1',
      '0',
      'İ',
    ]),
    decided: ['yes', 'No', 'TRUE', 'f', '1', 'off', 'oN', 'FaLsE', 'Y', 'n', '0', 'tRuE'],
  },
  {
    name: 'date',
    spec: { type: 'date' },
    values: textOf([...DIGITS, '-', '/', 'T', ':', ' '], 12),
    decided: ['2024-02-29', '1999-12-31'],
  },
  {
    name: 'date MM/DD/YYYY',
    spec: { type: 'date', format: 'MM/DD/YYYY' },
    values: fc.oneof(
      textOf([...DIGITS, '/', '-', '.'], 11),
      fc
        .tuple(fc.nat(13), fc.nat(32), fc.nat(10000))
        .map(([m, d, y]) => `${m}/${d}/${y}`.padStart(10, '0')),
    ),
    decided: ['03/27/2024', '12/31/0999', '2024-03-27'],
  },
  {
    name: 'date DD.MM.YY',
    spec: { type: 'date', format: 'DD.MM.YY' },
    values: textOf([...DIGITS, '.'], 9),
    decided: ['27.03.24', '01.01.70'],
  },
  {
    name: 'timestamptz',
    spec: { type: 'timestamptz' },
    values: fc.oneof(
      textOf([...DIGITS, '-', ':', 'T', ' ', 'Z', '+', '.'], 30),
      fc
        .tuple(
          fc.constantFrom('2024-03-27', '2023-02-29', '0001-01-01', '9999-12-31'),
          fc.constantFrom('T', ' ', 't'),
          fc.constantFrom('10:00:00', '23:59:59', '24:00:00', '10:60:00', '1:00:00'),
          fc.constantFrom('', '.5', '.123456789', '.1234567890', '.'),
          fc.constantFrom('', 'Z', '+01:00', '-15:59', '+16:00', '+0100', 'z', ' UTC'),
        )
        .map((p) => p.join('')),
    ),
    decided: ['2024-03-27T10:00:00Z', '2024-03-27 10:00:00.5+01:00'],
  },
  {
    name: 'timestamp',
    spec: { type: 'timestamp' },
    values: fc
      .tuple(
        fc.constantFrom('2024-03-27', '2024-13-01'),
        fc.constantFrom('T', ' '),
        fc.constantFrom('10:00:00', '25:00:00'),
        fc.constantFrom('', '.25'),
        fc.constantFrom('', 'Z', '+02:00'),
      )
      .map((p) => p.join('')),
    decided: ['2024-03-27T10:00:00', '2024-03-27 10:00:00.25'],
  },
  {
    name: 'timestamptz without offsets, in a zone with DST',
    spec: { type: 'timestamptz' },
    schema: { timezone: 'America/New_York' },
    values: fc
      .tuple(
        fc.constantFrom('2024-03-10', '2024-11-03', '2024-07-01', '0001-01-01', '2023-02-29'),
        fc.constantFrom('T', ' '),
        fc.constantFrom('01:30:00', '02:30:00', '23:59:59', '24:00:00'),
        fc.constantFrom('', '.5', '.123456789'),
        fc.constantFrom('', 'Z', '-05:00'),
      )
      .map((p) => p.join('')),
    decided: ['2024-03-10 02:30:00', '2024-11-03T01:30:00.5', '2024-07-01 23:59:59-05:00'],
  },
  {
    name: 'timestamptz MM/DD/YYYY HH:mm',
    spec: { type: 'timestamptz', format: 'MM/DD/YYYY HH:mm' },
    schema: { timezone: 'Europe/Berlin' },
    values: fc.oneof(
      textOf([...DIGITS, '/', ':', ' ', '-'], 18),
      fc
        .tuple(fc.nat(13), fc.nat(32), fc.nat(10000), fc.nat(25), fc.nat(61))
        .map(([m, d, y, h, mi]) => {
          const p2 = (n: number) => String(n).padStart(2, '0');
          return `${p2(m)}/${p2(d)}/${String(y).padStart(4, '0')} ${p2(h)}:${p2(mi)}`;
        }),
      fc.constantFrom('2024-03-31 02:30:00', '2024-03-31T02:30'),
    ),
    decided: ['03/31/2024 02:30', '10/27/2024 02:30', '12/31/9999 23:59', '2024-03-31 02:30:00'],
  },
  {
    name: 'timestamp DD.MM.YYYY HH:mm:ss.SSS',
    spec: { type: 'timestamp', format: 'DD.MM.YYYY HH:mm:ss.SSS' },
    values: fc.oneof(
      textOf([...DIGITS, '.', ':', ' '], 24),
      fc
        .tuple(fc.nat(32), fc.nat(13), fc.nat(10000), fc.nat(25), fc.nat(61), fc.nat(999))
        .map(([d, m, y, h, mi, ms]) => {
          const p2 = (n: number) => String(n).padStart(2, '0');
          return `${p2(d)}.${p2(m)}.${String(y).padStart(4, '0')} ${p2(h)}:${p2(mi)}:${p2(mi)}.${String(ms).padStart(3, '0')}`;
        }),
      fc.constantFrom('2024-03-27 10:00:00+02:00', '2024-03-27 10:00:00'),
    ),
    decided: ['27.03.2024 10:00:00.250', '29.02.2024 23:59:59.000', '2024-03-27 10:00:00'],
  },
  {
    name: 'timestamp YYYY-DD-MM HH:mm (ISO-looking values are the string path’s)',
    spec: { type: 'timestamp', format: 'YYYY-DD-MM HH:mm' },
    values: fc
      .tuple(fc.nat(13), fc.nat(13), fc.constantFrom(' 10:00', 'T10:00', ' 10:00:00'))
      .map(([a, b, t]) => `2024-${String(a).padStart(2, '0')}-${String(b).padStart(2, '0')}${t}`),
    decided: [],
  },
  {
    name: 'uuid',
    spec: { type: 'uuid' },
    values: fc.oneof(
      fc.uuid(),
      fc.uuid().map((u) => u.toUpperCase()),
      textOf(['a', 'f', 'g', '0', '9', '-', '{'], 38),
    ),
    decided: ['3cfef76f-5f2e-4ed1-ac58-aa6b3ac53712'],
  },
  {
    name: 'email',
    spec: { type: 'email' },
    values: fc.oneof(
      textOf(['a', 'Z', '0', '.', '@', '-', '+', '_', 'é', ' ', '"', '\\'], 20),
      fc.emailAddress(),
      fc
        .tuple(
          fc.constantFrom('u1', 'a.b', '.a', 'a.', 'a..b', 'x'.repeat(64), 'x'.repeat(65), 'Ä'),
          fc.constantFrom('', '@', '@@'),
          fc.constantFrom('example.com', 'Example.COM', 'a-.com', '-a.com', 'a.b.c', 'com'),
          fc.constantFrom('', '.123', '.', `.${'y'.repeat(63)}`, `.${'y'.repeat(64)}`, '.é'),
        )
        .map((p) => p.join('')),
    ),
    decided: ['u1@example.com', 'First.Last+tag@Mail.Example.ORG', 'a@b.c1'],
  },
  {
    name: 'enum',
    spec: {
      type: 'enum',
      values: { active: 'Active', ACT: 'Active', 'on hold': 'Held', é: 'E', K: 'k', tab: 'a\tb' },
    },
    values: textOf(
      ['a', 'A', 'c', 't', 'T', 'i', 'v', 'e', 'E', 'é', 'É', 'K', 'K', 'k', ' ', 'b'],
      9,
    ),
    decided: ['Active', 'active', 'ACTIVE', 'act', 'Held', 'ON HOLD', 'é', 'k', 'K'],
  },
  {
    name: 'enum with more spellings than a scan suits (string path only)',
    spec: {
      type: 'enum',
      values: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`v${i}`, `V${i}`])),
    },
    values: textOf(['v', 'V', '1', '2'], 4),
    decided: [],
  },
  {
    name: 'required integer (NULL is the string path’s rejection)',
    spec: { type: 'integer', required: true },
    values: textOf([...DIGITS, 'N', 'A', ' ']),
    decided: ['42'],
  },
  {
    name: 'integer with a default',
    spec: { type: 'integer', default: 7 },
    values: textOf([...DIGITS, 'N', 'A', '-', ' ']),
    decided: ['42'],
  },
];

describe('compileFastCell', () => {
  it.each(CASES)('$name: the byte path agrees with the string path', (c) => {
    const cell = column(c.spec, c.schema);
    const fast = cell.fast;
    if (fast === null) {
      expect(c.decided).toEqual([]);
      return;
    }
    const check = (value: string) => {
      const got = fastValue(fast, value);
      // A rejection from the string path never equals a value the byte path accepted.
      if (got !== undefined) expect([value, got]).toEqual([value, cell.normalize(value)]);
    };
    fc.assert(fc.property(c.values, check), { numRuns: 3000 });
    for (const value of c.decided) {
      expect([value, fastValue(fast, value)]).not.toEqual([value, undefined]);
      check(value);
    }
  });

  it('has no byte path for custom transforms or string-only types', () => {
    expect(column({ type: 'text', transforms: [{ type: 'upper' }] }).fast).toBeNull();
    expect(column({ type: 'json' }).fast).toBeNull();
  });

  it('marks only text values as needing COPY escapes', () => {
    expect(column({ type: 'text' }).fast?.escapes).toBe(true);
    expect(column({ type: 'integer' }).fast?.escapes).toBe(false);
  });
});

describe('startsWithSpace / endsWithSpace', () => {
  it('agree with String#trim for every code point', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const isSpace = ch.trim() === '';
      const lead = Buffer.from(`${ch}x`);
      const tail = Buffer.from(`x${ch}`);
      if (startsWithSpace(lead, 0, lead.length) !== isSpace) throw new Error(`start U+${cp}`);
      if (endsWithSpace(tail, 0, tail.length) !== isSpace) throw new Error(`end U+${cp}`);
    }
  });
});
