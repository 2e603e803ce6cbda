import { isForwardTransition, type JobStatus } from './job-status';

describe('isForwardTransition', () => {
  it.each<[JobStatus, JobStatus, boolean]>([
    ['received', 'stored', true],
    ['receiving', 'stored', true],
    ['stored', 'receiving', false],
    ['receiving', 'cancelled', true],
    ['stored', 'planned', true],
    ['planned', 'loading', true],
    ['loading', 'completed', true],
    ['stored', 'loading', true],
    ['loading', 'planned', false],
    ['loading', 'loading', false],
    ['completed', 'failed', false],
    ['failed', 'completed', false],
    ['cancelled', 'loading', false],
    ['received', 'failed', true],
  ])('%s → %s is %s', (from, to, expected) => {
    expect(isForwardTransition(from, to)).toBe(expected);
  });
});
