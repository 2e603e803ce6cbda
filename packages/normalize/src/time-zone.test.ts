import fc from 'fast-check';
import { civilSeconds } from './calendar';
import { isValidTimeZone, zoneOffsets } from './time-zone';

const H = 3600;

describe('zoneOffsets', () => {
  it.each([
    ['America/New_York', '2024-03-10T06:59:59Z', -5 * H],
    ['America/New_York', '2024-03-10T07:00:00Z', -4 * H],
    ['America/New_York', '2024-11-03T05:59:59Z', -4 * H],
    ['America/New_York', '2024-11-03T06:00:00Z', -5 * H],
    ['Europe/Berlin', '2024-03-31T00:59:59Z', 1 * H],
    ['Europe/Berlin', '2024-03-31T01:00:00Z', 2 * H],
    ['Australia/Lord_Howe', '2024-04-06T14:59:59Z', 11 * H],
    ['Australia/Lord_Howe', '2024-04-06T15:00:00Z', 10.5 * H],
    ['Asia/Kathmandu', '2024-06-01T00:00:00Z', 5.75 * H],
    ['UTC', '2024-06-01T00:00:00Z', 0],
  ])('%s at %s is %d s east', (zone, iso, expected) => {
    expect(zoneOffsets(zone).offsetAt(Date.parse(iso) / 1000)).toBe(expected);
  });

  it.each([
    ['before the gap', [2024, 3, 10, 1, 59, 59], -5 * H],
    ['in the gap', [2024, 3, 10, 2, 30, 0], -5 * H],
    ['after the gap', [2024, 3, 10, 3, 0, 0], -4 * H],
    ['before the repeat', [2024, 11, 3, 0, 59, 59], -4 * H],
    ['in the repeat', [2024, 11, 3, 1, 30, 0], -5 * H],
    ['after the repeat', [2024, 11, 3, 2, 0, 0], -5 * H],
  ])('New York wall time %s', (_name, [y, mo, d, h, mi, s], expected) => {
    const wall = civilSeconds(
      y as number,
      mo as number,
      d as number,
      h as number,
      mi as number,
      s as number,
    );
    expect(zoneOffsets('America/New_York').offsetForWallTime(wall)).toBe(expected);
  });

  it.each(['America/New_York', 'Australia/Lord_Howe', 'Europe/Dublin', 'Asia/Kathmandu'])(
    '%s: wall times take the offset PostgreSQL gives them, across four centuries',
    (name) => {
      const zone = zoneOffsets(name);
      // PostgreSQL's rule from instants: the later offset in a repeat, the earlier in a gap.
      const rule = (wall: number): number => {
        const before = zone.offsetAt(wall - 86400);
        const after = zone.offsetAt(wall + 86400);
        if (before === after) return before;
        if (zone.offsetAt(wall - after) === after) return after;
        return before;
      };
      const from = civilSeconds(1799, 12, 30, 0, 0, 0);
      const to = civilSeconds(2200, 1, 2, 0, 0, 0);
      // Random instants, and the hours around this zone's transitions of a few years.
      const transitions: number[] = [];
      for (
        let t = civilSeconds(2023, 1, 1, 0, 0, 0);
        t < civilSeconds(2025, 1, 1, 0, 0, 0);
        t += 1800
      ) {
        if (zone.offsetAt(t) !== zone.offsetAt(t + 1800)) transitions.push(t);
      }
      const near = fc
        .tuple(fc.constantFrom(...transitions, from), fc.integer({ min: -6 * H, max: 6 * H }))
        .map(([t, d]) => t + d);
      fc.assert(
        fc.property(fc.oneof(fc.integer({ min: from, max: to }), near), (wall) => {
          expect([wall, zone.offsetForWallTime(wall)]).toEqual([wall, rule(wall)]);
        }),
        { numRuns: 3000 },
      );
    },
  );

  it.each([
    ['Europe/Berlin', true],
    ['UTC', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
  ])('isValidTimeZone(%j) is %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });
});
