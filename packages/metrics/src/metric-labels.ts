import { JOB_STATUSES } from '@ingest/contracts';

/** A job status, as the `status` label of ingest_job_transitions_total. */
export const JOB_STATUS_LABELS = JOB_STATUSES;

export const WEBHOOK_OUTCOMES = ['delivered', 'rejected', 'error'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
