/** Lifecycle order; a job only ever moves forward in this list (terminal states last). */
export const JOB_STATUSES = [
  'received',
  // A resumable (tus) upload whose bytes are still arriving: the job exists from its creation.
  'receiving',
  'stored',
  'planned',
  'loading',
  'completed',
  'failed',
  'cancelled',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
]);

export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.has(s);

/** Rank used for monotonic transitions: every terminal state outranks every live one. */
export const statusRank = (s: JobStatus): number => (isTerminal(s) ? 100 : JOB_STATUSES.indexOf(s));

/** True when moving from `from` to `to` goes forward (repeats and regressions are no-ops). */
export const isForwardTransition = (from: JobStatus, to: JobStatus): boolean =>
  statusRank(to) > statusRank(from);
