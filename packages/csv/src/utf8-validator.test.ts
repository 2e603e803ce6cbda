import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { incompleteTail, Utf8Validator } from './utf8-validator';

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** Feeds `input` cut at `cuts` (sorted offsets) and ends the run. */
function validate(input: Buffer, cuts: number[]): boolean {
  const v = new Utf8Validator();
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    v.feed(input.subarray(from, cut));
    from = cut;
  }
  return v.end();
}

describe('Utf8Validator', () => {
  it.each<[name: string, input: Buffer, valid: boolean]>([
    ['ASCII', bytes('a,b\n'), true],
    ['2-, 3- and 4-byte characters', bytes('é€😀中'), true],
    ['empty', bytes(), true],
    ['a lone continuation byte', bytes('a', [0x80]), false],
    ['a latin1 byte', bytes('caf', [0xe9], ',x'), false],
    ['a sequence cut short at the end', bytes('a', [0xf0, 0x9f, 0x98]), false],
    ['a lead byte followed by ASCII', bytes([0xe2], 'ab'), false],
    ['an overlong encoding', bytes([0xc0, 0x80]), false],
    ['a UTF-16 surrogate', bytes([0xed, 0xa0, 0x80]), false],
    ['above U+10FFFF', bytes([0xf4, 0x90, 0x80, 0x80]), false],
    ['a never-valid byte', bytes([0xff]), false],
  ])('%s, fed at every split point', (_name, input, valid) => {
    expect(isUtf8(input)).toBe(valid); // the table itself is right
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) expect(validate(input, [a, b])).toBe(valid);
    }
  });

  it('starts a fresh run after end()', () => {
    const v = new Utf8Validator();
    v.feed(bytes([0xff]));
    expect(v.end()).toBe(false);
    v.feed(bytes([0xe2, 0x82]));
    expect(v.end()).toBe(false); // unfinished
    v.feed(bytes('ok'));
    expect(v.end()).toBe(true);
  });

  it('agrees with isUtf8 on the whole input for any bytes and any cuts', () => {
    const unit = fc.oneof(
      fc.constantFrom(...['a', '\n', 'é', '€', '😀'].map((s) => [...Buffer.from(s)])),
      fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 12 }).map((units) => Buffer.from(units.flat())),
        fc.array(fc.nat(), { maxLength: 6 }),
        (input, rawCuts) => {
          const cuts = rawCuts.map((c) => c % (input.length + 1)).sort((x, y) => x - y);
          expect(validate(input, cuts)).toBe(isUtf8(input));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('incompleteTail', () => {
  it.each<[hex: number[], tail: number]>([
    [[], 0],
    [[0x61], 0],
    [[0xc3], 1],
    [[0xc3, 0xa9], 0],
    [[0xe2, 0x82], 2],
    [[0xf0, 0x9f, 0x98], 3],
    [[0xf0, 0x9f, 0x98, 0x80], 0],
    [[0x80, 0x80, 0x80], 0], // no lead byte in reach: left for isUtf8 to reject
    [[0xff], 0],
  ])('%j -> %i', (hex, tail) => {
    expect(incompleteTail(Buffer.from(hex))).toBe(tail);
  });
});
