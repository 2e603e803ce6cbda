import { addSample, ratePoints, samplesFromTimings } from './rate-series';

const T0 = '2025-12-31T23:59:00Z';

describe('rate series', () => {
  it('gives each interval its rows per second', () => {
    let s = addSample([], { at: 0, rows: 0 });
    s = addSample(s, { at: 2000, rows: 1000 });
    s = addSample(s, { at: 3000, rows: 4000 });
    expect(ratePoints(s)).toEqual([
      { at: 2000, rate: 500 },
      { at: 3000, rate: 3000 },
    ]);
  });

  it('drops samples that go back in time or in rows', () => {
    const s = [{ at: 1000, rows: 10 }];
    expect(addSample(s, { at: 900, rows: 20 })).toEqual(s);
    expect(addSample(s, { at: 1000, rows: 20 })).toEqual(s);
    expect(addSample(s, { at: 2000, rows: 5 })).toEqual(s);
  });

  it.each([
    [
      'not loading yet',
      { storedAt: T0, plannedAt: null, loadingStartedAt: null, completedAt: null, rows: 0 },
      [],
    ],
    [
      'loading',
      {
        storedAt: T0,
        plannedAt: null,
        loadingStartedAt: '2026-01-01T00:00:00Z',
        completedAt: null,
        rows: 5,
      },
      [{ at: Date.parse('2026-01-01T00:00:00Z'), rows: 0 }],
    ],
    [
      'ended',
      {
        storedAt: T0,
        plannedAt: null,
        loadingStartedAt: '2026-01-01T00:00:00Z',
        completedAt: '2026-01-01T00:00:10Z',
        rows: 100,
      },
      [
        { at: Date.parse('2026-01-01T00:00:00Z'), rows: 0 },
        { at: Date.parse('2026-01-01T00:00:10Z'), rows: 100 },
      ],
    ],
    [
      'loaded in one step: from planning on',
      {
        storedAt: T0,
        plannedAt: '2026-01-01T00:00:01Z',
        loadingStartedAt: '2026-01-01T00:00:02Z',
        completedAt: '2026-01-01T00:00:02Z',
        rows: 100,
      },
      [
        { at: Date.parse('2026-01-01T00:00:01Z'), rows: 0 },
        { at: Date.parse('2026-01-01T00:00:02Z'), rows: 100 },
      ],
    ],
    [
      'planned and loaded in one step: from when it was stored',
      {
        storedAt: '2026-01-01T00:00:00.500Z',
        plannedAt: '2026-01-01T00:00:02Z',
        loadingStartedAt: '2026-01-01T00:00:02Z',
        completedAt: '2026-01-01T00:00:02Z',
        rows: 100,
      },
      [
        { at: Date.parse('2026-01-01T00:00:00.500Z'), rows: 0 },
        { at: Date.parse('2026-01-01T00:00:02Z'), rows: 100 },
      ],
    ],
    [
      'ended with rows but no loading start: from planning on',
      {
        storedAt: T0,
        plannedAt: '2026-01-01T00:00:01Z',
        loadingStartedAt: null,
        completedAt: '2026-01-01T00:00:02Z',
        rows: 100,
      },
      [
        { at: Date.parse('2026-01-01T00:00:01Z'), rows: 0 },
        { at: Date.parse('2026-01-01T00:00:02Z'), rows: 100 },
      ],
    ],
    [
      'ended before loading a row',
      {
        storedAt: T0,
        plannedAt: null,
        loadingStartedAt: null,
        completedAt: '2026-01-01T00:00:02Z',
        rows: 0,
      },
      [],
    ],
  ])('samples from timings: %s', (_name, times, expected) => {
    expect(samplesFromTimings(times)).toEqual(expected);
  });
});
