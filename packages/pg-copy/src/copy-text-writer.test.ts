import fc from 'fast-check';
import { encodeCopyTextRow } from './copy-text';
import { CopyTextWriter } from './copy-text-writer';

type Value = { kind: 'text' | 'string'; value: string } | { kind: 'null' };

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('text' as const, 'string' as const),
    value: fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', 'é', '😀', ' ', 'N') }),
  }),
  fc.constant({ kind: 'null' as const }),
);

/** Writes `rows` and returns everything the writer handed out, in order. */
function writeRows(rows: Value[][], flushBytes: number, discard: Set<number>): string {
  const writer = new CopyTextWriter(flushBytes);
  const out: Buffer[] = [];
  rows.forEach((row, r) => {
    for (const v of row) {
      if (v.kind === 'null') writer.nullValue();
      else if (v.kind === 'string') writer.string(v.value);
      else {
        const bytes = Buffer.from(`xx${v.value}yy`);
        writer.text(bytes, 2, bytes.length - 2);
      }
    }
    if (discard.has(r)) writer.discardRow();
    else writer.endRow();
    const full = writer.takeFull();
    if (full) out.push(Buffer.from(full));
  });
  const rest = writer.takeRest();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString('utf8');
}

describe('CopyTextWriter', () => {
  it('writes exactly what encodeCopyTextRow encodes, across flushes and discarded rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(valueArb, { minLength: 1, maxLength: 6 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.nat(30)),
        (rows, flushBytes, discarded) => {
          const discard = new Set(discarded);
          const expected = rows
            .filter((_r, i) => !discard.has(i))
            .map((row) => encodeCopyTextRow(row.map((v) => (v.kind === 'null' ? null : v.value))))
            .join('');
          expect(writeRows(rows, flushBytes, discard)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('copies raw bytes unescaped and grows for rows larger than its buffer', () => {
    const writer = new CopyTextWriter(16);
    const big = Buffer.alloc(200_000, 0x37);
    writer.raw(big, 0, big.length);
    writer.raw(Buffer.from('12'), 0, 2);
    writer.endRow();
    expect(writer.takeFull()?.toString()).toBe(`${'7'.repeat(200_000)}\t12\n`);
    expect(writer.takeRest()).toBeNull();
  });

  it('hands out only complete rows', () => {
    const writer = new CopyTextWriter(4);
    writer.string('abcdef');
    writer.endRow();
    writer.string('open');
    expect(writer.takeFull()?.toString()).toBe('abcdef\n');
    writer.endRow();
    expect(writer.takeRest()?.toString()).toBe('open\n');
  });
});

describe('CopyTextWriter dates', () => {
  it.each([
    [1, 1, 1, '0001-01-01'],
    [999, 12, 31, '0999-12-31'],
    [2024, 2, 29, '2024-02-29'],
    [9999, 10, 5, '9999-10-05'],
  ])('writes %i-%i-%i as %s', (y, m, d, expected) => {
    const writer = new CopyTextWriter();
    writer.nullValue();
    writer.cellDate(1, y, m, d);
    writer.endRow();
    expect(writer.takeRest()?.toString()).toBe(`\\N\t${expected}\n`);
  });
});
