export * from './job-record';
export * from './job-lifecycle';
export type { RecordedPlan } from './job-records';
export type { JobListOptions } from './read-model/job-list';
export type { RejectCursor, RejectListOptions, RejectRecord } from './read-model/reject-list';
export { toJobView } from './read-model/job-view';
export { readJob, readJobView } from './read-model/read-job-view';
export type { ChunkCounts, JobStateStore } from './job-state-store';
export * from './redis-job-state-store';
export { estimateSecondsLeft } from './read-model/estimate-completion';
// Each transition on its own (the lifecycle composes them; tests exercise them alone).
export * from './transitions/finish-planning';
export * from './transitions/settle-job';
export * from './transitions/complete-staged-job';
export * from './transitions/fail-job';
export * from './transitions/cancel-job';
export * from './transitions/mark-announced';
export * from './storage/delete-ended-job';
export * from './storage/expired-objects';
export * from './storage/unpicked-jobs';
export * from './storage/object-owners';
// The durable plan and the fair dispatch of its chunk tasks.
export * from './plan/plan-records';
export * from './dispatch/share-dispatch';
export * from './dispatch/dispatch-chunks';
export { readJobQueue } from './read-model/job-queue';
export * from './transitions/finish-upload';
export * from './transitions/end-upload';
export * from './resumable/resumable-upload-records';
