import { formatByteSize, parseByteSize } from './byte-size';

describe('parseByteSize', () => {
  it.each([
    ['33554432', 33_554_432],
    ['32MiB', 32 * 1024 ** 2],
    ['32 mib', 32 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['1GB', 1e9],
    ['64kB', 64_000],
    ['64KiB', 65_536],
    ['100B', 100],
    ['1.1kB', 1100],
  ])('%s is %d bytes', (text, expected) => {
    expect(parseByteSize(text)).toBe(expected);
  });

  it.each(['', 'lots', '-1', '-5MB', '0', '1e6', '0x100', '1.5', '1.1B', '12 parsecs', 'MiB'])(
    'refuses %j',
    (text) => {
      expect(parseByteSize(text)).toBeNull();
    },
  );
});

describe('formatByteSize', () => {
  it.each([
    [1024, '1 KiB'],
    [1024 ** 2, '1 MiB'],
    [32 * 1024 ** 2, '32 MiB'],
    [1024 ** 3, '1 GiB'],
    [100, '100 B'],
  ])('%d is %s', (n, text) => {
    expect(formatByteSize(n)).toBe(text);
  });
});
