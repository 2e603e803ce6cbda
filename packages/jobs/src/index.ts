export * from './job-record';
export * from './job-lifecycle';
export type { RecordedPlan } from './job-records';
export type { JobListOptions } from './read-model/job-list';
export { toJobView } from './read-model/job-view';
export { readJob, readJobView } from './read-model/read-job-view';
export type { PlanTotals } from './transitions/finish-planning';
export * from './redis-job-state-store';
