import {
  QUEUES,
  isTerminal,
  type DeadMessage,
  type JobEvent,
  type JobStatus,
  type JobView,
  type MessagePublisher,
} from '@ingest/contracts';
import { classifyFailure, isAppError, permanentCodeOf } from '@ingest/errors';
import { cleanUpWorkTables, loadStrategyFor } from '@ingest/loading';
import type { Pool } from '@ingest/postgres';
import { settleDeadLetter } from './dead-letters';
import { FailureRecords } from './failure-records';
import type { JobProgress, JobRecord, NewJob } from './job-record';
import { JobRecords, type RecordedPlan } from './job-records';
import { listJobs, type JobListOptions } from './read-model/job-list';
import { listRejects, type RejectListOptions } from './read-model/reject-list';
import { toJobView } from './read-model/job-view';
import { readJobView, syncJobState } from './read-model/read-job-view';
import { readJobQueue } from './read-model/job-queue';
import { cancelJob } from './transitions/cancel-job';
import { completeStagedJob } from './transitions/complete-staged-job';
import { failJob } from './transitions/fail-job';
import { finishPlanning, type PlanTotals } from './transitions/finish-planning';
import { markAnnounced } from './transitions/mark-announced';
import { settleJob, type SettledJob } from './transitions/settle-job';
import { finishUpload, type FinishedUpload } from './transitions/finish-upload';
import { abortUpload, expireUploads, terminateUpload } from './transitions/end-upload';
import {
  ResumableUploadRecords,
  type NewResumableUpload,
} from './resumable/resumable-upload-records';
import { deleteEndedJob, type DeleteOutcome } from './storage/delete-ended-job';
import { removeExpiredObjects } from './storage/expired-objects';
import { claimUnpickedJobs, markPlanningStarted } from './storage/unpicked-jobs';
import { keysOwnedByJobs } from './storage/object-owners';
import type { ChunkCounts, JobStateStore } from './job-state-store';

export interface LifecycleLogger {
  warn(obj: object, msg?: string): void;
}

export interface JobLifecycleDeps {
  pool: Pool;
  state: JobStateStore;
  publisher: MessagePublisher;
  logger: LifecycleLogger;
  /**
   * Told of every status a job enters through this process's own statement (metrics):
   * `stored` at creation, `planned`, `loading` and the terminal ones. Must not throw.
   */
  onTransition?: (status: JobStatus) => void;
}

/**
 * The one owner of a job's course: services record, read and move jobs only
 * through it. Postgres decides every transition (one statement, only
 * forward); the hot state follows, and the event of an ending is published by
 * exactly the caller whose statement ended the job (`announced_at` lets a
 * redelivery repair an announcement lost to a crash).
 */
export class JobLifecycle {
  private readonly records: JobRecords;
  private readonly failures: FailureRecords;
  private readonly pool: Pool;
  private readonly state: JobStateStore;
  /** Where resumable (tus) uploads stand: offsets, locks. */
  readonly uploads: ResumableUploadRecords;

  constructor(private readonly deps: JobLifecycleDeps) {
    this.pool = deps.pool;
    this.state = deps.state;
    this.uploads = new ResumableUploadRecords(deps.pool);
    this.records = new JobRecords(deps.pool);
    this.failures = new FailureRecords(deps.pool);
  }

  // Records -------------------------------------------------------------------------------

  /** Inserts the job; with an idempotency key already used by the tenant, returns that job instead. */
  async create(job: NewJob) {
    return this.created(await this.records.create(job));
  }

  /** create() unless the tenant has a job for the same content into the same table (dedupe=content). */
  async createUnlessSameContent(job: NewJob) {
    return this.created(await this.records.createUnlessSameContent(job));
  }

  private created<T extends { created: boolean; job: JobRecord }>(outcome: T): T {
    if (outcome.created) this.deps.onTransition?.(outcome.job.status);
    return outcome;
  }

  /** Removes a job that never became visible (its publish failed). */
  discard(jobId: string) {
    return this.records.delete(jobId);
  }

  get(jobId: string) {
    return this.records.get(jobId);
  }

  findByIdempotencyKey(tenant: string, key: string) {
    return this.records.findByIdempotencyKey(tenant, key);
  }

  findSameContent(tenant: string, sha256: string, table: string) {
    return this.records.findSameContent(tenant, sha256, table);
  }

  list(tenant: string, options: JobListOptions) {
    return listJobs(this.pool, tenant, options);
  }

  /** The job's rejected records in file order, a page after the cursor. */
  listRejects(jobId: string, options: RejectListOptions) {
    return listRejects(this.pool, jobId, options);
  }

  recordSource(jobId: string, sourceKey: string) {
    return this.records.recordSource(jobId, sourceKey);
  }

  recordPlan(jobId: string, plan: RecordedPlan) {
    return this.records.recordPlan(jobId, plan);
  }

  /** Counts a failed attempt of a chunk and keeps its error (a dead letter names it later). */
  recordChunkFailure(jobId: string, chunkIndex: number, code: string | null, error: string) {
    return this.failures.recordChunkFailure(jobId, chunkIndex, code, error);
  }

  /** Records that a splitter took the job's message (see claimUnpicked). */
  markPlanningStarted(jobId: string) {
    return markPlanningStarted(this.pool, jobId);
  }

  // Storage housekeeping ------------------------------------------------------------------

  /**
   * Deletes an ended job of the tenant with everything recorded about it (rows,
   * hot state, work tables left behind); the caller removes its objects.
   */
  async delete(jobId: string, tenant: string): Promise<DeleteOutcome> {
    const outcome = await deleteEndedJob(this.pool, jobId, tenant);
    if (outcome.kind !== 'deleted') return outcome;
    await this.state.remove(jobId).catch(this.warnState(jobId));
    await this.dropWorkTables(outcome.job);
    return outcome;
  }

  /**
   * Runs `remove` for ended jobs whose objects outlived their retention (a
   * batch of at most `limit`) and marks them removed; their views follow.
   */
  async removeExpiredObjects(limit: number, remove: (job: JobRecord) => Promise<void>) {
    const removed = await removeExpiredObjects(this.pool, limit, remove);
    for (const id of removed) await this.refresh(id);
    return removed;
  }

  /** Of these upload keys, those a job owns with its objects still stored. */
  keysOwnedByJobs(keys: readonly string[]) {
    return keysOwnedByJobs(this.pool, keys);
  }

  /** Claims `stored` jobs no splitter took within `graceMs`, to publish them again. */
  claimUnpicked(graceMs: number, limit: number) {
    return claimUnpickedJobs(this.pool, graceMs, limit);
  }

  // Views ---------------------------------------------------------------------------------

  /** The view of a job just created: nothing loaded yet. A hot-state failure only warns. */
  async showCreated(job: JobRecord): Promise<JobView> {
    const view = toJobView(job, { chunksDone: 0, rowsLoaded: 0, rowsRejected: 0 });
    await this.state.put(view).catch(this.warnState(job.id));
    return view;
  }

  /**
   * Hot state first; on a miss (expired, flushed) rebuilt from Postgres, or read from it
   * alone. The queue (planned, dispatched, in flight) moves with every dispatch round,
   * which the hot state does not follow: it is read from Postgres (one indexed row).
   */
  async currentView(jobId: string): Promise<JobView | null> {
    const hot = await this.state.get(jobId).catch(() => null);
    if (hot) {
      const queue = await readJobQueue(this.pool, jobId);
      if (queue) return { ...hot, queue };
      // A refresh that read the row before a delete may write the view back after it:
      // a hot view whose row is gone is stale, and goes.
      if (await this.records.exists(jobId)) return hot;
      await this.state.remove(jobId).catch(this.warnState(jobId));
      return null;
    }
    return syncJobState(this.pool, this.state, jobId).catch((e: unknown) => {
      this.deps.logger.warn({ err: e, jobId }, 'hot state unavailable; reading Postgres only');
      return readJobView(this.pool, jobId);
    });
  }

  /** Copies the durable record into the hot state (after planning totals change, say). */
  async refresh(jobId: string): Promise<void> {
    await syncJobState(this.pool, this.state, jobId).catch(this.warnState(jobId));
  }

  // Transitions ---------------------------------------------------------------------------

  /** Records the plan's totals, then ends the job if its chunks are all in already. */
  async finishPlanning(jobId: string, totals: PlanTotals): Promise<void> {
    if (await finishPlanning(this.pool, jobId, totals)) this.deps.onTransition?.('planned');
    await this.refresh(jobId);
    await this.settle(jobId);
  }

  /**
   * After a chunk's commit: counts it in the hot state, then one statement
   * moves the job to `loading` or ends it by its verdict (settleJob). Only the
   * caller that ends the job does more: publish a staged job, announce.
   */
  async reportChunk(jobId: string, chunkIndex: number, counts: ChunkCounts): Promise<void> {
    await this.state.recordChunk(jobId, chunkIndex, counts).catch(this.warnState(jobId));
    await this.follow(await settleJob(this.pool, jobId, { loaded: true, publishing: false }));
  }

  /**
   * Ends the job if every chunk is in the ledger, and re-publishes the event of
   * a job that ended without it (a crash between the two). The ended job, or null.
   */
  async settle(jobId: string): Promise<JobRecord | null> {
    return this.follow(await settleJob(this.pool, jobId, { loaded: false, publishing: false }));
  }

  async fail(jobId: string, code: string, message: string): Promise<void> {
    const failed = await failJob(this.pool, jobId, code, message);
    if (failed) this.deps.onTransition?.(failed.job.status);
    if (failed) await this.announce(failed.job);
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

  // Resumable uploads ---------------------------------------------------------------------

  /** A job whose bytes will arrive later (status `receiving`) and its upload row. */
  async createReceiving(job: NewJob, upload: NewResumableUpload): Promise<JobView> {
    return this.showCreated(await this.uploads.create({ ...job, status: 'receiving' }, upload));
  }

  /**
   * The upload's last byte is stored: the job becomes `stored` (the caller
   * publishes it), or ends as a duplicate of an earlier job (dedupe=content).
   */
  async finishUpload(jobId: string, stored: { bytes: number; sha256: string }) {
    const finished: FinishedUpload = await finishUpload(this.pool, jobId, stored);
    if (finished.kind === 'stored') await this.refresh(jobId);
    if (finished.kind === 'duplicate') await this.announce(finished.job);
    return finished;
  }

  /** A raw upload broke off: the job fails with `code`, its key released (announced). */
  async abortUpload(jobId: string, code: string, message: string): Promise<JobRecord | null> {
    const ended = await abortUpload(this.pool, jobId, code, message);
    if (ended) await this.announce(ended);
    return ended;
  }

  /** tus termination: cancels the job (announced); the caller removes the objects. */
  async terminateUpload(jobId: string): Promise<JobRecord | null> {
    const ended = await terminateUpload(this.pool, jobId);
    if (ended) await this.announce(ended);
    return ended;
  }

  /** Fails abandoned uploads with UPLOAD_EXPIRED after `remove` deleted their objects. */
  async expireUploads(limit: number, remove: (job: JobRecord) => Promise<void>) {
    const ended = await expireUploads(this.pool, limit, remove);
    for (const job of ended) await this.announce(job);
    return ended;
  }

  /** Cancels a live job and announces it; null when the job had already ended. */
  async cancel(jobId: string): Promise<JobRecord | null> {
    const ended = await cancelJob(this.pool, jobId);
    if (ended) this.deps.onTransition?.(ended.status);
    if (ended) await this.announce(ended);
    return ended;
  }

  /** Keeps a dead-lettered message and fails its job if it is still live (MESSAGE_DEAD_LETTERED). */
  async settleDeadLetter(message: DeadMessage): Promise<void> {
    await settleDeadLetter(
      {
        get: (id) => this.get(id),
        fail: (id, code, text) => this.fail(id, code, text),
        failures: this.failures,
      },
      message,
    );
  }

  // Following a settled job ---------------------------------------------------------------

  /** What a settled job still needs: its staged publish, its announcement, or a fresh view. */
  private async follow(settled: SettledJob | null): Promise<JobRecord | null> {
    if (!settled) return null;
    if (settled.publishDue) return this.follow(await completeStagedJob(this.pool, settled.job.id));
    const { job, progress } = settled;
    if (settled.moved) this.deps.onTransition?.(job.status);
    if (!isTerminal(job.status)) {
      // Moved to `loading`: its view carries the stage's timing.
      if (settled.moved) await this.putView(job, progress);
      return null;
    }
    if (settled.moved || job.announced_at === null) await this.announce(job, progress);
    return job;
  }

  /** Drops the work tables of an ended job (none for a direct load); a failure only warns. */
  private async dropWorkTables(job: JobRecord): Promise<void> {
    const plan = job.load_plan;
    if (plan === null || plan.kind === 'direct') return;
    const strategy = loadStrategyFor(plan, {
      jobId: job.id,
      schema: job.target_schema,
      table: job.table_name,
      columns: [],
    });
    await cleanUpWorkTables(this.pool, strategy).catch((e: unknown) => {
      this.deps.logger.warn({ err: e, jobId: job.id }, 'work tables not dropped yet');
    });
  }

  private async announce(job: JobRecord, progress?: JobProgress): Promise<void> {
    // A completed staged job dropped its stage while publishing; other work tables go now.
    if (!(job.load_plan?.kind === 'staged' && job.status === 'completed')) {
      await this.dropWorkTables(job);
    }
    if (progress) await this.putView(job, progress);
    else await this.refresh(job.id);
    const event: JobEvent = {
      type: `job.${job.status === 'completed' || job.status === 'cancelled' ? job.status : 'failed'}`,
      version: 1,
      jobId: job.id,
      occurredAt: (job.completed_at ?? new Date()).toISOString(),
    };
    await this.deps.publisher.publish(QUEUES.events, event, {
      messageId: `${job.id}:${event.type}`,
    });
    await markAnnounced(this.pool, job.id);
  }

  private async putView(job: JobRecord, progress: JobProgress): Promise<void> {
    await this.state
      .put(toJobView(job, progress), progress.chunkIndexes ?? [])
      .catch(this.warnState(job.id));
  }

  private warnState(jobId: string) {
    return (e: unknown) => this.deps.logger.warn({ err: e, jobId }, 'hot state update failed');
  }
}
