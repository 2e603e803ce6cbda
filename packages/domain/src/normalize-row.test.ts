import { normalizeRecord, normalizeValue } from './normalize-row';

describe('normalizeValue', () => {
  it.each<[string, string | null]>([
    ['  x  ', 'x'],
    ['', null],
    ['   ', null],
    ['\t\n', null],
    ['a b', 'a b'],
    ['\u00a0x\u2003', 'x'],
    ['0', '0'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue(raw)).toBe(expected);
  });
});

describe('normalizeRecord', () => {
  it('accepts a record of the header width', () => {
    expect(normalizeRecord([' a', '', 'c '], 3)).toEqual({ ok: true, values: ['a', null, 'c'] });
  });
  it('rejects too many fields', () => {
    expect(normalizeRecord(['a', 'b', 'c'], 2)).toMatchObject({
      ok: false,
      code: 'TOO_MANY_FIELDS',
    });
  });
  it('rejects a NUL byte, naming the field', () => {
    expect(normalizeRecord(['a', 'b\u0000c'], 2)).toMatchObject({
      ok: false,
      code: 'NUL_BYTE',
      message: 'field 2 contains a NUL byte',
    });
  });
  it('rejects too few fields', () => {
    expect(normalizeRecord(['a'], 2)).toMatchObject({ ok: false, code: 'TOO_FEW_FIELDS' });
  });
});
