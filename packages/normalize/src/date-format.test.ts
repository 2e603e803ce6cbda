import fc from 'fast-check';
import { compileDateTimeFormat } from './date-format';
import { emptyParts } from './date-time-parts';

describe('compileDateTimeFormat', () => {
  it.each([
    ['MM/DD/YYYY', '12/31/2024', [2024, 12, 31, 0, 0, 0]],
    ['YYYYMMDD HHmmss', '20241231 235958', [2024, 12, 31, 23, 59, 58]],
    ['D.M.YYYY H:mm', '1.2.2024 7:05', [2024, 2, 1, 7, 5, 0]],
    ['MMM DD YYYY hh:mm:ss A', 'Dec 31 2024 11:59:58 PM', [2024, 12, 31, 23, 59, 58]],
    ['DD/MM/YY', '31/12/99', [1999, 12, 31, 0, 0, 0]],
  ])('%s reads %j', (pattern, value, expected) => {
    const parts = emptyParts();
    expect(compileDateTimeFormat(pattern).parse(value, parts)).toBe(true);
    expect([parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second]).toEqual(
      expected,
    );
  });

  it.each([
    ['MM/DD', /needs a year/],
    ['YYYY-DD', /needs a month/],
    ['YYYY-MM', /needs a day/],
    ['YYYY-MM-DD hh:mm', /12-hour clock/],
    ['YYYY-MM-DD HH:mm A', /12-hour clock/],
    ['YYYY-MM-DD ss', /seconds without minutes/],
    ['YYYY-MM-DD HH:mm.SSS', /fraction without seconds/],
    ['YYYY-MM-DD-YYYY', /appears twice/],
    ['YY-MM-DD YYYY', /year appears twice/],
    ['YYYY-MM-DD Q', /unknown token "Q"/],
    ["YYYY-MM-DD 'at", /unterminated quote/],
  ])('refuses %j', (pattern, message) => {
    expect(() => compileDateTimeFormat(pattern)).toThrow(message);
  });

  it('knows whether a pattern has a time and an offset', () => {
    expect(compileDateTimeFormat('DD.MM.YYYY').hasTime).toBe(false);
    const f = compileDateTimeFormat('DD.MM.YYYY HH:mm Z');
    expect([f.hasTime, f.hasOffset]).toEqual([true, true]);
  });

  it.each([
    'MM/DD/YYYY',
    'YYYYMMDD HHmmss',
    'D.M.YYYY H:mm',
    'DD/MM/YY',
    'YYYY-MM-DDTHH:mm:ss.SSS',
  ])('%s: parseBytes answers as parse does, parts included', (pattern) => {
    const format = compileDateTimeFormat(pattern);
    const { parseBytes } = format;
    if (parseBytes === null) throw new Error('no byte plan');
    const chars = [...'0123456789/.:-T t', 'é'];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.constantFrom(...chars), { maxLength: 26 }).map((c) => c.join('')),
          // The pattern's own shape with random digits: mostly values that parse.
          fc
            .array(fc.nat(9), { minLength: pattern.length, maxLength: pattern.length })
            .map((d) => pattern.replace(/[YMDHmsS]/g, (_t, i: number) => String(d[i]))),
          // … and with a character too many, or one missing.
          fc
            .tuple(fc.constantFrom(...chars), fc.boolean())
            .map(([c, cut]) =>
              cut
                ? pattern.replace(/[YMDHmsS]/g, '1').slice(0, -1)
                : pattern.replace(/[YMDHmsS]/g, '1') + c,
            ),
        ),
        (value) => {
          const text = emptyParts();
          const bytes = emptyParts();
          const buf = Buffer.from(`<${value}>`);
          const ok = parseBytes(buf, 1, buf.length - 1, bytes);
          expect(ok).toBe(format.parse(value, text));
          if (ok) expect(bytes).toEqual(text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
