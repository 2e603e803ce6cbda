import { formatBytes, formatCount, formatDuration, formatTable } from './format';

describe('formatting for people', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [10 * 1024 ** 3, '10.0 GiB'],
  ])('bytes %d → %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [null, '?'],
    [-1, '?'],
    [Infinity, '?'],
    [4.4, '4s'],
    [185, '3m 05s'],
    [7620, '2h 07m'],
  ])('duration %p → %s', (s, text) => expect(formatDuration(s)).toBe(text));

  it('counts with thousands separators', () => expect(formatCount(1234567)).toBe('1,234,567'));

  it('aligns table columns, leaving the last one unpadded', () => {
    expect(
      formatTable(
        ['ID', 'STATUS', 'NOTE'],
        [
          ['1', 'completed', 'x'],
          ['22', 'failed', ''],
        ],
      ),
    ).toBe(['ID  STATUS     NOTE', '1   completed  x', '22  failed'].join('\n'));
  });
});
