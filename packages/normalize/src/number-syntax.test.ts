import { applyExponent, emptyDecimal, numberSyntax, parseDecimal } from './number-syntax';

describe('numberSyntax', () => {
  it.each([
    [undefined, '.', ','],
    ['en', '.', ','],
    ['de', ',', '.'],
    ['fr', ',', ' '],
    ['de-CH', '.', "'"],
    ['en-IN', '.', ','],
  ])('%s: decimal %j, groups include %j', (locale, decimal, group) => {
    const s = numberSyntax(locale);
    expect(String.fromCharCode(s.decimal)).toBe(decimal);
    expect(s.groups).toContain(group.charCodeAt(0));
  });

  it('knows Indian grouping', () => {
    expect(numberSyntax('en-IN')).toMatchObject({ primaryGroup: 3, secondaryGroup: 2 });
  });
});

describe('parseDecimal', () => {
  const parse = (v: string, locale?: string, exponent = true) => {
    const out = emptyDecimal();
    if (!parseDecimal(v, numberSyntax(locale), exponent, out)) return null;
    applyExponent(out);
    return `${out.negative ? '-' : ''}${out.int}|${out.frac}`;
  };
  it.each([
    ['1234.5', undefined, '1234|5'],
    ['1,234,567.89', undefined, '1234567|89'],
    ['-0012', undefined, '-12|'],
    ['1,23', undefined, null],
    ['1,2345', undefined, null],
    [',123', undefined, null],
    ['1,,234', undefined, null],
    ['1,234.', undefined, '1234|'],
    ['1.234.567,8', 'de', '1234567|8'],
    ['1 234 567,8', 'fr', '1234567|8'],
    ["1 234'567", 'fr', null], // one separator per number
    ['1.2e3', undefined, '1200|'],
    ['12e-4', undefined, '|0012'],
    ['1e', undefined, null],
    ['e5', undefined, null],
    ['1.5e3', undefined, '1500|'],
    ['', undefined, null],
    ['+', undefined, null],
    ['.', undefined, null],
  ])('%j (%s) → %j', (v, locale, expected) => {
    expect(parse(v, locale)).toBe(expected);
  });

  it('refuses exponents when not allowed', () => {
    expect(parse('1e3', undefined, false)).toBeNull();
  });
});
