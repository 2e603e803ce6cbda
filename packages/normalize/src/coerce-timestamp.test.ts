import { cell } from './test-cell';

describe('timestamptz', () => {
  it.each([
    // Already unambiguous for PostgreSQL: passed through untouched.
    ['2024-03-27T10:00:00Z', 'UTC', '2024-03-27T10:00:00Z'],
    ['2024-03-27 10:00:00+01:00', 'UTC', '2024-03-27 10:00:00+01:00'],
    ['2024-03-27T10:00:00.123456-05:00', 'UTC', '2024-03-27T10:00:00.123456-05:00'],
    // Rewritten into the canonical form.
    ['2024-03-27T10:00:00z', 'UTC', '2024-03-27 10:00:00+00:00'],
    ['2024-03-27T10:00:00+0530', 'UTC', '2024-03-27 10:00:00+05:30'],
    ['2024-03-27T10:00:00+05', 'UTC', '2024-03-27 10:00:00+05:00'],
    ['2024-03-27 10:00:00 UTC', 'UTC', '2024-03-27 10:00:00+00:00'],
    ['2024-03-27T10:00:00,5Z', 'UTC', '2024-03-27 10:00:00.5+00:00'],
    ['2024-03-27T10:00Z', 'UTC', '2024-03-27 10:00:00+00:00'],
    // No offset: the default zone's offset, written out.
    ['2024-03-27 10:00:00', 'UTC', '2024-03-27 10:00:00+00:00'],
    ['2024-03-27', 'UTC', '2024-03-27 00:00:00+00:00'],
    ['2024-01-15 12:00', 'Europe/Berlin', '2024-01-15 12:00:00+01:00'],
    ['2024-07-15 12:00', 'Europe/Berlin', '2024-07-15 12:00:00+02:00'],
    ['2024-07-15 12:00', 'Asia/Kolkata', '2024-07-15 12:00:00+05:30'],
    ['2024-07-15 12:00', 'Australia/Lord_Howe', '2024-07-15 12:00:00+10:30'],
    ['2024-01-15 12:00', 'Australia/Lord_Howe', '2024-01-15 12:00:00+11:00'],
    // DST gap (New York skips 02:00–03:00 on 2024-03-10): the offset before the gap, as PostgreSQL does.
    ['2024-03-10 01:59:59', 'America/New_York', '2024-03-10 01:59:59-05:00'],
    ['2024-03-10 02:30:00', 'America/New_York', '2024-03-10 02:30:00-05:00'],
    ['2024-03-10 03:00:00', 'America/New_York', '2024-03-10 03:00:00-04:00'],
    ['2024-03-31 02:30:00', 'Europe/Berlin', '2024-03-31 02:30:00+01:00'],
    // Repeated hour (2024-11-03 01:00–02:00 happens twice): the later, standard-time offset.
    ['2024-11-03 00:59:59', 'America/New_York', '2024-11-03 00:59:59-04:00'],
    ['2024-11-03 01:30:00', 'America/New_York', '2024-11-03 01:30:00-05:00'],
    ['2024-11-03 02:00:00', 'America/New_York', '2024-11-03 02:00:00-05:00'],
    // Samoa skipped 2011-12-30 entirely.
    ['2011-12-30 12:00:00', 'Pacific/Apia', '2011-12-30 12:00:00-10:00'],
    ['2011-12-31 12:00:00', 'Pacific/Apia', '2011-12-31 12:00:00+14:00'],
    // Local mean time before standard time zones.
    ['1880-06-01 12:00:00', 'America/New_York', '1880-06-01 12:00:00-04:56:02'],
    ['2024-02-30 10:00:00', 'UTC', '!INVALID_TIMESTAMP'],
    ['2024-03-27 24:00:00', 'UTC', '!INVALID_TIMESTAMP'],
    ['2024-03-27 23:59:60', 'UTC', '!INVALID_TIMESTAMP'],
    ['2024-03-27 10:00:00+16:00', 'UTC', '!INVALID_TIMESTAMP'],
    ['2024-03-27T10', 'UTC', '!INVALID_TIMESTAMP'],
    ['03/27/2024 10:00', 'UTC', '!AMBIGUOUS_DATE'],
    ['yesterday', 'UTC', '!INVALID_TIMESTAMP'],
    ['', 'UTC', null],
  ])('%j in %s → %j', (raw, timezone, expected) => {
    expect(cell({ type: 'timestamptz' }, raw, { timezone })).toBe(expected);
  });

  it.each([
    ['MM/DD/YYYY hh:mm A', '03/27/2024 02:05 PM', '2024-03-27 14:05:00-04:00'],
    ['MM/DD/YYYY hh:mm A', '03/27/2024 12:05 am', '2024-03-27 00:05:00-04:00'],
    ['MM/DD/YYYY hh:mm A', '03/27/2024 12:05 p.m.', '2024-03-27 12:05:00-04:00'],
    ['MM/DD/YYYY hh:mm A', '03/27/2024 13:05 PM', '!INVALID_TIMESTAMP'],
    ['DD.MM.YYYY HH:mm:ss', '27.03.2024 14:05:09', '2024-03-27 14:05:09-04:00'],
    ['DD.MM.YYYY HH:mm:ss.SSS', '27.03.2024 14:05:09.120', '2024-03-27 14:05:09.120-04:00'],
    ['DD.MM.YYYY HH:mm Z', '27.03.2024 14:05 +0100', '2024-03-27 14:05:00+01:00'],
    ["YYYY-MM-DD'T'HH:mm", '2024-03-27T14:05', '2024-03-27 14:05:00-04:00'],
    ['DD.MM.YYYY HH:mm', '2024-03-27 14:05', '2024-03-27 14:05:00-04:00'], // ISO still read
    ['DD.MM.YYYY HH:mm', '27.03.2024', '!INVALID_TIMESTAMP'],
  ])('%s: %j → %j (America/New_York)', (format, raw, expected) => {
    expect(cell({ type: 'timestamptz', format }, raw, { timezone: 'America/New_York' })).toBe(
      expected,
    );
  });
});

describe('timestamp (without time zone)', () => {
  it.each([
    ['2024-03-27 10:00:00', 'UTC', '2024-03-27 10:00:00'],
    ['2024-03-27T10:00:00.5', 'UTC', '2024-03-27T10:00:00.5'],
    ['2024-03-27T10:00', 'UTC', '2024-03-27 10:00:00'],
    ['2024-03-27', 'UTC', '2024-03-27 00:00:00'],
    // A wall-clock time is kept as written, even inside a DST gap of the zone.
    ['2024-03-10 02:30:00', 'America/New_York', '2024-03-10 02:30:00'],
    // An offset is converted to the zone's wall clock instead of being dropped.
    ['2024-03-27T10:00:00Z', 'UTC', '2024-03-27 10:00:00'],
    ['2024-03-27T10:00:00Z', 'Europe/Berlin', '2024-03-27 11:00:00'],
    ['2024-03-31T01:30:00Z', 'Europe/Berlin', '2024-03-31 03:30:00'],
    ['2024-12-31T23:30:00-01:00', 'UTC', '2025-01-01 00:30:00'],
    ['2024-03-01T00:30:00+01:00', 'UTC', '2024-02-29 23:30:00'],
    ['2024-03-27T10:00:00.250+02:00', 'UTC', '2024-03-27 08:00:00.250'],
    ['2024-02-30 10:00', 'UTC', '!INVALID_TIMESTAMP'],
  ])('%j in %s → %j', (raw, timezone, expected) => {
    expect(cell({ type: 'timestamp' }, raw, { timezone })).toBe(expected);
  });
});
