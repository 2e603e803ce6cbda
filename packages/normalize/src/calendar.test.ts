import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  formatDate,
  formatOffset,
  isValidDate,
} from './calendar';

describe('calendar', () => {
  it.each([
    [2024, 2, 29],
    [2023, 2, 28],
    [2000, 2, 29],
    [1900, 2, 28],
    [2024, 4, 30],
    [2024, 12, 31],
  ])('%d-%d has %d days', (y, m, expected) => {
    expect(daysInMonth(y, m)).toBe(expected);
  });

  it.each([
    [2024, 2, 29, true],
    [2023, 2, 29, false],
    [2024, 6, 31, false],
    [1, 1, 1, true],
    [0, 1, 1, false],
    [10000, 1, 1, false],
  ])('%d-%d-%d valid: %s', (y, m, d, expected) => {
    expect(isValidDate(y, m, d)).toBe(expected);
  });

  it('round-trips days and agrees with Date over four centuries', () => {
    for (let days = daysFromCivil(1800, 1, 1); days < daysFromCivil(2200, 1, 1); days += 37) {
      const c = civilFromDays(days);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(days);
      const d = new Date(days * 86400000);
      expect([c.year, c.month, c.day]).toEqual([
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
      ]);
    }
  });

  it('formats years below 1000 with four digits', () => {
    expect(formatDate(99, 1, 2)).toBe('0099-01-02');
  });

  it.each([
    [0, '+00:00'],
    [3600, '+01:00'],
    [-16200, '-04:30'],
    [-17762, '-04:56:02'],
  ])('formatOffset(%d) = %s', (seconds, expected) => {
    expect(formatOffset(seconds)).toBe(expected);
  });
});
