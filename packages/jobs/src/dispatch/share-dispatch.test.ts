import { shareDispatch, type DispatchCandidate, type DispatchLimits } from './share-dispatch';

const limits = (over: Partial<DispatchLimits> = {}): DispatchLimits => ({
  jobWindow: 4,
  maxInFlight: 0,
  tenantMaxInFlight: 0,
  tenantWeights: new Map(),
  ...over,
});
const job = (
  jobId: string,
  tenant: string,
  inFlight: number,
  waiting: number,
  createdAt = 0,
): DispatchCandidate => ({ jobId, tenant, inFlight, waiting, createdAt });
const asObject = (m: Map<string, number>) => Object.fromEntries([...m].sort());

describe('shareDispatch', () => {
  it.each([
    {
      name: 'a job alone fills its window',
      jobs: [job('big', 'a', 0, 100)],
      limits: limits(),
      expected: { big: 4 },
    },
    {
      name: 'a window already full gets nothing',
      jobs: [job('big', 'a', 4, 100)],
      limits: limits(),
      expected: {},
    },
    {
      name: 'never more than what is waiting',
      jobs: [job('small', 'a', 0, 1)],
      limits: limits(),
      expected: { small: 1 },
    },
    {
      name: 'a freed place goes to the tenant with fewer in flight (a new small job)',
      jobs: [job('big', 'a', 5, 100, 1), job('small', 'b', 0, 1, 2)],
      limits: limits({ maxInFlight: 6, jobWindow: 8 }),
      expected: { small: 1 },
    },
    {
      name: 'the same tenant: its job with fewer in flight first',
      jobs: [job('big', 'a', 5, 100, 1), job('small', 'a', 0, 3, 2)],
      limits: limits({ maxInFlight: 7, jobWindow: 8 }),
      expected: { small: 2 },
    },
    {
      name: 'two tenants alternate: equal shares of the free places',
      jobs: [job('x', 'a', 0, 100, 1), job('y', 'b', 0, 100, 2)],
      limits: limits({ maxInFlight: 6, jobWindow: 8 }),
      expected: { x: 3, y: 3 },
    },
    {
      name: 'a tenant with many jobs gets no more than a tenant with one',
      jobs: [
        job('a1', 'a', 0, 100, 1),
        job('a2', 'a', 0, 100, 2),
        job('a3', 'a', 0, 100, 3),
        job('b1', 'b', 0, 100, 4),
      ],
      limits: limits({ maxInFlight: 6, jobWindow: 8 }),
      expected: { a1: 1, a2: 1, a3: 1, b1: 3 },
    },
    {
      name: 'weights: twice the weight, twice the places',
      jobs: [job('x', 'a', 0, 100, 1), job('y', 'b', 0, 100, 2)],
      limits: limits({ maxInFlight: 6, jobWindow: 8, tenantWeights: new Map([['a', 2]]) }),
      expected: { x: 4, y: 2 },
    },
    {
      name: 'a tenant limit caps a tenant, others still get places',
      jobs: [job('x', 'a', 1, 100, 1), job('y', 'a', 0, 100, 2), job('z', 'b', 0, 1, 3)],
      limits: limits({ tenantMaxInFlight: 2, jobWindow: 8 }),
      expected: { y: 1, z: 1 },
    },
    {
      name: 'the global limit counts what is in flight already',
      jobs: [job('x', 'a', 3, 100, 1), job('y', 'b', 3, 100, 2)],
      limits: limits({ maxInFlight: 6, jobWindow: 8 }),
      expected: {},
    },
  ])('$name', ({ jobs, limits: l, expected }) => {
    expect(asObject(shareDispatch(jobs, l))).toEqual(expected);
  });
});
