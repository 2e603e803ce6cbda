import { cell } from './test-cell';

describe('integer', () => {
  it.each([
    ['42', '42'],
    ['-7', '-7'],
    ['+7', '7'],
    ['0', '0'],
    ['-0', '0'],
    ['007', '7'],
    ['2147483647', '2147483647'],
    ['-2147483648', '-2147483648'],
    ['2147483648', '!INTEGER_OUT_OF_RANGE'],
    ['-2147483649', '!INTEGER_OUT_OF_RANGE'],
    ['99999999999999999999999', '!INTEGER_OUT_OF_RANGE'],
    ['1,234', '1234'],
    ['1,234,567', '1234567'],
    ['12.00', '12'],
    ['12.5', '!INVALID_INTEGER'],
    ['1e3', '!INVALID_INTEGER'],
    ['1,23', '!INVALID_INTEGER'],
    ['12,34,567', '!INVALID_INTEGER'],
    ['abc', '!INVALID_INTEGER'],
    ['-', null], // a default null token
    ['--1', '!INVALID_INTEGER'],
    ['1 234', '!INVALID_INTEGER'],
    ['٣', '!INVALID_INTEGER'],
    ['\u00a042\u2003', '42'],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'integer' }, raw)).toBe(expected);
  });

  it.each([
    ['1.234', 'de', '1234'],
    ['1.234.567', 'de', '1234567'],
    ['1,234', 'de', '!INVALID_INTEGER'],
    ['1 234', 'fr', '1234'],
    ['1\u202f234', 'fr', '1234'],
    ["1'234", 'de-CH', '1234'],
    ['12,34,567', 'en-IN', '1234567'],
  ])('%j in %s → %j', (raw, format, expected) => {
    expect(cell({ type: 'integer', format }, raw)).toBe(expected);
  });
});

describe('bigint', () => {
  it.each([
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['9223372036854775808', '!INTEGER_OUT_OF_RANGE'],
    ['-9223372036854775809', '!INTEGER_OUT_OF_RANGE'],
    ['2147483648', '2147483648'],
    ['000000000000000000000001', '1'],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'bigint' }, raw)).toBe(expected);
  });
});

describe('numeric', () => {
  it.each([
    ['1234.50', undefined, '1234.50'],
    ['1,234.50', undefined, '1234.50'],
    ['1.234,50', 'de', '1234.50'],
    ['1.234,50', undefined, '!INVALID_NUMERIC'],
    ['1,234.50', 'de', '!INVALID_NUMERIC'],
    ['1 234,5', 'fr', '1234.5'],
    ['.5', undefined, '0.5'],
    ['-.5', undefined, '-0.5'],
    ['5.', undefined, '5'],
    ['+3.25', undefined, '3.25'],
    ['1.5e3', undefined, '1500'],
    ['1.5E-3', undefined, '0.0015'],
    ['-0.0', undefined, '-0.0'],
    ['00012.5', undefined, '12.5'],
    ['NaN', undefined, '!INVALID_NUMERIC'],
    ['Infinity', undefined, '!INVALID_NUMERIC'],
    ['$12', undefined, '!INVALID_NUMERIC'],
    ['12%', undefined, '!INVALID_NUMERIC'],
    ['1e999999', undefined, '!NUMERIC_OUT_OF_RANGE'],
    ['1e9999999', undefined, '!INVALID_NUMERIC'],
  ])('%j (locale %s) → %j', (raw, format, expected) => {
    expect(cell({ type: 'numeric', ...(format === undefined ? {} : { format }) }, raw)).toBe(
      expected,
    );
  });

  it.each([
    ['123.45', '123.45'],
    ['123.456', '123.46'],
    ['123.455', '123.46'], // half away from zero, like PostgreSQL
    ['-123.455', '-123.46'],
    ['-0.001', '0.00'],
    ['999.994', '999.99'],
    ['999.995', '!NUMERIC_OUT_OF_RANGE'], // rounds to 1000.00: overflow
    ['1000', '!NUMERIC_OUT_OF_RANGE'],
    ['-999.99', '-999.99'],
    ['9.99e2', '999'], // PostgreSQL pads the scale itself
  ])('numeric(5,2): %j → %j', (raw, expected) => {
    expect(cell({ type: 'numeric', precision: 5, scale: 2 }, raw)).toBe(expected);
  });

  it.each([
    ['12345', '12345'],
    ['123456', '!NUMERIC_OUT_OF_RANGE'],
    ['1.5', '2'],
    ['99999.5', '!NUMERIC_OUT_OF_RANGE'],
  ])('numeric(5): %j → %j', (raw, expected) => {
    expect(cell({ type: 'numeric', precision: 5 }, raw)).toBe(expected);
  });

  it('takes the schema locale unless the column declares its own', () => {
    expect(cell({ type: 'numeric' }, '1.234,5', { locale: 'de' })).toBe('1234.5');
    expect(cell({ type: 'numeric', format: 'en' }, '1,234.5', { locale: 'de' })).toBe('1234.5');
  });

  it('refuses more fraction digits than an unconstrained numeric holds', () => {
    expect(cell({ type: 'numeric' }, `0.${'1'.repeat(16384)}`)).toBe('!NUMERIC_OUT_OF_RANGE');
    expect(cell({ type: 'numeric' }, `0.${'1'.repeat(16383)}`)).toBe(`0.${'1'.repeat(16383)}`);
  });
});
