import { exceedsRejectBudget, parseRejectBudget } from './reject-budget';

describe('parseRejectBudget', () => {
  it.each([
    [undefined, { kind: 'unlimited' }],
    [0, { kind: 'count', max: 0 }],
    [10, { kind: 'count', max: 10 }],
    ['10', { kind: 'count', max: 10 }],
    ['5%', { kind: 'ratio', max: 0.05 }],
    [' 0.5% ', { kind: 'ratio', max: 0.005 }],
    ['100%', { kind: 'ratio', max: 1 }],
    ['101%', null],
    [-1, null],
    [1.5, null],
    ['5 %', null],
    ['abc', null],
  ])('%j → %j', (value, expected) => {
    expect(parseRejectBudget(value)).toEqual(expected);
  });
});

describe('exceedsRejectBudget', () => {
  it.each([
    ['unlimited', { kind: 'unlimited' as const }, 1e9, 1e9, false],
    ['count at the limit', { kind: 'count' as const, max: 5 }, 5, 100, false],
    ['count over the limit', { kind: 'count' as const, max: 5 }, 6, 100, true],
    ['zero tolerance', { kind: 'count' as const, max: 0 }, 1, 100, true],
    ['ratio at the limit', { kind: 'ratio' as const, max: 0.05 }, 5, 100, false],
    ['ratio over the limit', { kind: 'ratio' as const, max: 0.05 }, 6, 100, true],
    ['ratio of nothing', { kind: 'ratio' as const, max: 0 }, 0, 0, false],
  ])('%s', (_name, budget, rejected, total, expected) => {
    expect(exceedsRejectBudget(budget, rejected, total)).toBe(expected);
  });
});
