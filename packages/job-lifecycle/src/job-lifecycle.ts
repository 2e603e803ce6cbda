import { QUEUES, type JobEvent, type JobStatus } from '@ingest/contracts';
import type { JobStateStore, MessagePublisher } from '@ingest/domain';
import { classifyFailure, isAppError, permanentCodeOf } from '@ingest/errors';
import { syncJobState, type JobRecord, type JobRepository } from '@ingest/postgres';

export interface LifecycleLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * The job transitions workers share. Postgres decides (one statement, first
 * writer wins); then the hot state follows and, for an ending, the event is
 * published exactly by the caller whose statement ended the job.
 */
export class JobLifecycle {
  constructor(
    readonly jobs: JobRepository,
    private readonly state: JobStateStore,
    private readonly publisher: MessagePublisher,
    private readonly logger: LifecycleLogger,
  ) {}

  async advance(jobId: string, status: JobStatus): Promise<void> {
    const moved = await this.jobs.advance(jobId, status);
    // A stage change also sets its timing: copy the whole record, not just the status.
    if (moved) await this.refresh(jobId);
  }

  /**
   * Ends the job if every chunk is in the ledger and publishes its event. Also
   * re-publishes the event of a job that ended without it (a crash between the
   * two), so a redelivered message repairs a lost announcement.
   */
  async tryFinish(jobId: string): Promise<JobRecord | null> {
    const ended = (await this.jobs.tryFinish(jobId)) ?? (await this.jobs.findUnannounced(jobId));
    if (ended) await this.announce(ended);
    return ended;
  }

  async fail(jobId: string, code: string, message: string): Promise<void> {
    const ended =
      (await this.jobs.fail(jobId, code, message)) ?? (await this.jobs.findUnannounced(jobId));
    if (ended) await this.announce(ended);
  }

  /**
   * The end of a failed attempt: rethrows when a later attempt may succeed
   * (retryable, and this is not the last chance); otherwise fails the job with the error's
   * code — `codes.exhausted` for a retryable error out of deliveries, a
   * TARGET_* code for a permanent database error (constraint, permission,
   * missing table), `codes.unexpected` for anything else — so no job is
   * left in progress for ever. Returns the code the job failed with.
   */
  async failUnlessRetrying(
    jobId: string,
    error: unknown,
    lastChance: boolean,
    codes: { exhausted: string; unexpected: string },
    context = '',
  ): Promise<string> {
    const retryable = classifyFailure(error) === 'retryable';
    if (retryable && !lastChance) throw error;
    const code = isAppError(error)
      ? error.code
      : retryable
        ? codes.exhausted
        : (permanentCodeOf(error) ?? codes.unexpected);
    const detail = error instanceof Error ? error.message : String(error);
    await this.fail(jobId, code, context ? `${context}: ${detail}` : detail);
    return code;
  }

  /** Cancels a live job and announces it; null when the job had already ended. */
  async cancel(jobId: string): Promise<JobRecord | null> {
    const ended = await this.jobs.cancel(jobId);
    if (ended) await this.announce(ended);
    return ended;
  }

  /** Copies the durable record into the hot state (after planning totals change, say). */
  async refresh(jobId: string): Promise<void> {
    await syncJobState(this.jobs, this.state, jobId).catch(this.warnState(jobId));
  }

  private async announce(job: JobRecord): Promise<void> {
    // A staged job that completed dropped its stage while publishing; anything else left goes now.
    if (job.load_plan !== null && job.load_plan.kind !== 'direct') {
      await this.jobs.dropWorkTables(job.id).catch((e: unknown) => {
        this.logger.warn({ err: e, jobId: job.id }, 'work tables not dropped yet');
      });
    }
    await this.refresh(job.id);
    const event: JobEvent = {
      type: `job.${job.status === 'completed' || job.status === 'cancelled' ? job.status : 'failed'}`,
      version: 1,
      jobId: job.id,
      occurredAt: (job.completed_at ?? new Date()).toISOString(),
    };
    await this.publisher.publish(QUEUES.events, event, { messageId: `${job.id}:${event.type}` });
    await this.jobs.markAnnounced(job.id);
  }

  private warnState(jobId: string) {
    return (e: unknown) => this.logger.warn({ err: e, jobId }, 'hot state update failed');
  }
}
