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
