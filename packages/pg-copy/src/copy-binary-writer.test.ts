import fc from 'fast-check';
import { CopyBinaryWriter, binaryColumnKind } from './copy-binary-writer';

/** Signature, flags, header extension length. */
const HEADER_BYTES = 11 + 4 + 4;

/** The numeric value of a one-column binary COPY row, back as decimal text (as PostgreSQL prints it). */
function decodeNumeric(data: Buffer): string {
  let p = HEADER_BYTES + 2 + 4; // field count, field length
  const n = data.readInt16BE(p);
  const weight = data.readInt16BE(p + 2);
  const sign = data.readUInt16BE(p + 4);
  const scale = data.readInt16BE(p + 6);
  p += 8;
  const groups = Array.from({ length: n }, (_, i) => data.readUInt16BE(p + 2 * i));
  // Integer groups are weight…0, fraction groups -1, -2, …: pad both sides to whole groups.
  let int = '';
  for (let w = Math.max(weight, 0); w >= 0; w--) {
    const g = groups[weight - w] ?? 0;
    int += String(g).padStart(4, '0');
  }
  let frac = '';
  for (let w = -1; frac.length < scale; w--)
    frac += String(groups[weight - w] ?? 0).padStart(4, '0');
  int = int.replace(/^0+(?=\d)/, '');
  const text = scale > 0 ? `${int}.${frac.slice(0, scale)}` : int;
  return sign === 0x4000 ? `-${text}` : text;
}

const encodeNumeric = (text: string): Buffer => {
  const writer = new CopyBinaryWriter([binaryColumnKind('numeric') as number] as never, false);
  const src = Buffer.from(text);
  writer.cell(0, src, 0, src.length);
  writer.endRow();
  return writer.takeRest() as Buffer;
};

/** Canonical numeric text: `-?(0|[1-9]\d*)(\.\d+)?`, as the normalizer writes it. */
const canonical = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^(0|[1-9]\d{0,24})$/),
    fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }),
  )
  .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);

describe('CopyBinaryWriter numeric', () => {
  it.each([
    ['0', '0'],
    ['-0.00', '0.00'],
    ['12.50', '12.50'],
    ['10000', '10000'],
    ['123456789.0001', '123456789.0001'],
    ['-0.00001', '-0.00001'],
    ['99990000.5', '99990000.5'],
  ])('%s reads back as %s', (text, expected) => {
    expect(decodeNumeric(encodeNumeric(text))).toBe(expected);
  });

  it('reads back every canonical value (zero without its sign)', () => {
    fc.assert(
      fc.property(canonical, (text) => {
        const expected = /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
        expect(decodeNumeric(encodeNumeric(text))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

/** A valid date's parts, years 1…9999. */
const dateParts = fc
  .tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.nat())
  .map(([y, m, n]) => {
    const length = new Date(Date.UTC(2000, m, 0)).getUTCDate(); // of month m in a leap year
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    return [y, m, 1 + (n % (m === 2 && !leap ? 28 : length))] as const;
  });

/** One date column's row: its 4-byte value, days since 2000-01-01. */
function dateRow(write: (w: CopyBinaryWriter) => void): number {
  const writer = new CopyBinaryWriter([binaryColumnKind('date') as number] as never, false);
  write(writer);
  writer.endRow();
  return (writer.takeRest() as Buffer).readInt32BE(HEADER_BYTES + 2 + 4);
}

describe('CopyBinaryWriter dates', () => {
  it('writes parts as days since 2000-01-01, as it writes their ISO text', () => {
    fc.assert(
      fc.property(dateParts, ([y, m, d]) => {
        const utc = new Date(Date.UTC(2000, m - 1, d));
        utc.setUTCFullYear(y); // years below 100 as written
        const expected = Math.round((utc.getTime() - Date.UTC(2000, 0, 1)) / 86_400_000);
        const iso = Buffer.from(
          `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
        );
        expect(dateRow((w) => w.cellDate(0, y, m, d))).toBe(expected);
        expect(dateRow((w) => w.cell(0, iso, 0, iso.length))).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('CopyBinaryWriter values from the string path', () => {
  const types = ['text', 'jsonb', 'integer', 'numeric', 'date', 'uuid'];
  const kinds = types.map((t) => binaryColumnKind(t) as number) as never;
  /** Rows of the six columns, each value written by `write`; a small buffer, so it grows. */
  const rowsOf = (rows: string[][], write: (w: CopyBinaryWriter, c: number, v: string) => void) => {
    const writer = new CopyBinaryWriter(kinds, false, 64);
    const parts: Buffer[] = [];
    for (const row of rows) {
      row.forEach((v, c) => write(writer, c, v));
      writer.endRow();
      const full = writer.takeFull();
      if (full) parts.push(Buffer.from(full));
    }
    parts.push(writer.takeRest() as Buffer);
    return Buffer.concat(parts);
  };
  const row = fc.tuple(
    fc.oneof(fc.string({ unit: 'binary' }), fc.string({ minLength: 4000, maxLength: 5000 })),
    fc.json(),
    fc.integer().map(String),
    canonical,
    fc.constantFrom('2024-02-29', '0001-01-01', '9999-12-31'),
    fc.uuid(),
  );

  it('writes what the bytes of the same values write', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
        const viaString = rowsOf(rows, (w, c, v) => w.cellString(c, v));
        const viaBytes = rowsOf(rows, (w, c, v) => {
          const bytes = Buffer.from(v, 'utf8');
          w.cell(c, bytes, 0, bytes.length);
        });
        expect(viaString.equals(viaBytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('grows its buffer for values of three bytes a character', () => {
    const text = binaryColumnKind('text') as number;
    const values = Array.from({ length: 30 }, (_, i) => '漢'.repeat(1000 + i));
    const write = (viaString: boolean) => {
      const writer = new CopyBinaryWriter(values.map(() => text) as never, false, 0);
      values.forEach((v, c) => {
        const bytes = Buffer.from(v, 'utf8');
        if (viaString) writer.cellString(c, v);
        else writer.cell(c, bytes, 0, bytes.length);
      });
      writer.endRow();
      return writer.takeRest() as Buffer;
    };
    const viaString = write(true);
    expect(viaString.length).toBeGreaterThan(90_000);
    expect(viaString.equals(write(false))).toBe(true);
  });
});
