/**
 * The retry schedule (NOTIFIER_SCHEDULE_MS): the delay before each scheduled attempt, the
 * first included, so its length is the number of scheduled attempts.
 */
export type WebhookSchedule = readonly number[];

/**
 * The wait before the next scheduled attempt once `made` attempts were made, or null when
 * the schedule has run out.
 */
export const nextAttemptDelay = (schedule: WebhookSchedule, made: number): number | null =>
  made < schedule.length ? (schedule[made] ?? 0) : null;

/**
 * BullMQ's custom backoff for jobs an earlier version queued with the whole schedule as
 * BullMQ attempts (backoff type `webhook-schedule`): after attempt n, wait `schedule[n]`.
 * New jobs are single attempts; Postgres keeps their place in the schedule.
 */
export const scheduleBackoff =
  (schedule: WebhookSchedule) =>
  (attemptsMade: number): number =>
    schedule[Math.min(attemptsMade, schedule.length - 1)] ?? 0;
