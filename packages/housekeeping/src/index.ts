export * from './upload-registry';
export * from './upload-tracker';
export * from './sweeper';
export * from './job-removal';
export type { SweepContext, SweepLogger } from './sweeps/sweep-context';
export { sweepAbandonedUploads } from './sweeps/abandoned-upload-sweep';
export { sweepOrphans } from './sweeps/orphan-sweep';
export { sweepUnpickedJobs } from './sweeps/outbox-sweep';
export { sweepExpiredObjects } from './sweeps/retention-sweep';
