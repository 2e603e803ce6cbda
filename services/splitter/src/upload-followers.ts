import type { JobRecord } from '@ingest/jobs';
import { isAppError } from '@ingest/errors';
import { FollowEnded, FollowPaused } from './follow-upload';
import { holdPlanLock } from './plan-lock';
import { planChunks, PlanningStopped, type PlanJobDeps } from './plan-job';
import { prepareFollowedSource } from './prepare-source';

export interface FollowLimits {
  /** Uploads this splitter follows at once (SPLITTER_FOLLOW_MAX). */
  max: number;
  /** How often a follower looks for new segments. */
  pollMs: number;
  /** A follower that saw no new byte for this long stops until the gateway's next nudge. */
  idleMs: number;
}

/**
 * Plans resumable uploads while their bytes arrive, each in the background
 * under the job's plan lock (one follower per upload across all splitters):
 * chunks are recorded, and so dispatched, as soon as their segments are
 * durable. A follower stops when the upload goes quiet, and the gateway's next
 * nudge (sent while bytes flow) or its `job.stored` after the last byte takes
 * planning up again from the last recorded chunk. Nothing here is needed for
 * correctness: a lost follower only delays planning until the last byte.
 */
export class UploadFollowers {
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: PlanJobDeps,
    private readonly limits: FollowLimits,
  ) {}

  /** Starts following the job's upload unless it is followed already or the limit is reached. */
  follow(job: JobRecord): void {
    if (this.stopping.signal.aborted) return;
    if (this.running.has(job.id) || this.running.size >= this.limits.max) return;
    const run = this.run(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private async run(job: JobRecord): Promise<void> {
    const { logger, lifecycle } = this.deps;
    const lock = await holdPlanLock(this.deps.pool, job.id, { wait: false }).catch((e: unknown) => {
      logger.warn({ err: e, jobId: job.id }, 'could not take the plan lock; not following');
      return null;
    });
    if (!lock) return;
    try {
      const upload = () => lifecycle.uploads.get(job.id);
      const row = await upload();
      // With dedupe=content a duplicate is only known after the last byte: nothing loads before.
      if (!row || row.dedupe_content || row.status !== 'receiving') return;
      // The record as it is now: a plan recorded by an earlier follower is kept.
      const current = (await lifecycle.get(job.id)) ?? job;
      const source = await prepareFollowedSource(
        { ...this.deps, ...this.limits, upload, signal: this.stopping.signal },
        current,
        row,
      );
      if (!source) return;
      if (source.file.key !== job.object_key) await lifecycle.recordSource(job.id, source.file.key);
      logger.info(
        { jobId: job.id, durable: row.upload_offset },
        'planning the upload as it arrives',
      );
      await planChunks(this.deps, current, source);
    } catch (e) {
      await this.handle(job, e);
    } finally {
      await lock.release();
    }
  }

  private async handle(job: JobRecord, e: unknown): Promise<void> {
    const { logger, lifecycle } = this.deps;
    if (e instanceof FollowPaused) {
      logger.info(
        { jobId: job.id, offset: e.offset },
        'upload quiet; planning waits for more bytes',
      );
    } else if (e instanceof FollowEnded || e instanceof PlanningStopped) {
      logger.info({ jobId: job.id, status: e.status }, 'job ended while its upload was followed');
    } else if (isAppError(e) && e.failure === 'permanent') {
      // The file is at fault (not CSV, a bad header, a schema it does not fit): the upload stops.
      await lifecycle.fail(job.id, e.code, e.message);
      logger.info({ jobId: job.id, code: e.code }, `job failed: ${e.message}`);
    } else {
      // Planning resumes on the next nudge, or after the last byte at the latest.
      logger.warn({ err: e, jobId: job.id }, 'following the upload failed');
    }
  }
}
