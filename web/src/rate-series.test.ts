import { addSample, ratePoints, samplesFromTimings, type JobTimes } from './rate-series';

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

  // Times as the API gives them; each case names only what it sets.
  const times = (t: Partial<JobTimes>): JobTimes => ({
    storedAt: T0,
    plannedAt: null,
    loadingStartedAt: null,
    completedAt: null,
    rows: 0,
    ...t,
  });
  const sample = (iso: string, rows: number) => ({ at: Date.parse(iso), rows });
  const S0 = '2026-01-01T00:00:00Z';
  const S1 = '2026-01-01T00:00:01Z';
  const S2 = '2026-01-01T00:00:02Z';

  it.each([
    ['not loading yet', times({}), []],
    ['loading', times({ loadingStartedAt: S0, rows: 5 }), [sample(S0, 0)]],
    [
      'ended',
      times({ loadingStartedAt: S0, completedAt: '2026-01-01T00:00:10Z', rows: 100 }),
      [sample(S0, 0), sample('2026-01-01T00:00:10Z', 100)],
    ],
    [
      'loaded in one step: from planning on',
      times({ plannedAt: S1, loadingStartedAt: S2, completedAt: S2, rows: 100 }),
      [sample(S1, 0), sample(S2, 100)],
    ],
    [
      'planned and loaded in one step: from when it was stored',
      times({
        storedAt: '2026-01-01T00:00:00.500Z',
        plannedAt: S2,
        loadingStartedAt: S2,
        completedAt: S2,
        rows: 100,
      }),
      [sample('2026-01-01T00:00:00.500Z', 0), sample(S2, 100)],
    ],
    [
      'ended with rows but no loading start: from planning on',
      times({ plannedAt: S1, completedAt: S2, rows: 100 }),
      [sample(S1, 0), sample(S2, 100)],
    ],
    ['ended before loading a row', times({ completedAt: S2 }), []],
  ])('samples from timings: %s', (_name, times, expected) => {
    expect(samplesFromTimings(times)).toEqual(expected);
  });
});
