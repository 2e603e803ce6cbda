import { QUEUES, type JobStoredMessage, type MessagePublisher } from '@ingest/contracts';
import type { Logger } from '@ingest/config';
import { errors, isAppError } from '@ingest/errors';
import { RAW_UPLOAD_ROUTE, type JobLifecycle } from '@ingest/jobs';
import { randomUUID } from 'node:crypto';
import { jobFieldsOf, type JobOptions } from './job-options';
import { SplitterNudges } from './splitter-nudges';

export interface StreamedJobDeps {
  lifecycle: JobLifecycle;
  publisher: MessagePublisher;
  logger: Logger;
  /** Which PostgreSQL schema holds a tenant's tables (TenantSchemaSource). */
  schemas: { schemaFor(tenant: string): Promise<string> };
  objectRetentionMs: number;
}

/**
 * The job of a raw upload that loads while its body arrives. It is created
 * with the upload's first durable segment (status `receiving`, an upload row
 * the splitters follow, as for tus), and under the upload's lock for as long
 * as this gateway receives: a gateway that dies drops the lock, and the
 * splitter's sweep fails the job with UPLOAD_ABORTED. Each durable segment
 * records the offset and nudges the splitters; the last byte makes the job
 * `stored` (or `loading`) and publishes it; a broken body fails it
 * (`abort`), keeping what committed as any failed job of its mode does.
 */
export class StreamedJob {
  readonly id = randomUUID();
  private lock: { release(): Promise<void> } | null = null;
  private created = false;
  private ended = false;
  private aborted = false;
  private readonly nudges: SplitterNudges;
  /** The reports in progress, in order (abort and finish wait for them). */
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: StreamedJobDeps,
    private readonly options: JobOptions,
    private readonly upload: { objectKey: string; segmentBytes: number; length: number | null },
  ) {
    this.nudges = new SplitterNudges(deps);
  }

  /** Bytes [0, durable) are stored for good: creates the job first, then tells the splitters. */
  durable(bytes: number): Promise<void> {
    const run = this.work.then(() => this.record(bytes));
    this.work = run.catch(() => undefined);
    return run;
  }

  private async record(bytes: number): Promise<void> {
    if (this.ended) return;
    const { lifecycle } = this.deps;
    if (!this.created) await this.create();
    await lifecycle.uploads.recordOffset(this.id, bytes, 0);
    this.nudges.nudge(this.id);
  }

  /** Whether the job exists (its first segment was stored). */
  get exists(): boolean {
    return this.created;
  }

  /** The last byte is stored: the job goes on to planning its rest, and is published. */
  async finish(stored: { bytes: number; sha256: string }) {
    const { lifecycle, publisher, logger } = this.deps;
    await this.work;
    this.ended = true;
    try {
      const declared = this.options.declaredSha256;
      if (declared !== null && declared !== stored.sha256) {
        const mismatch = errors.digestMismatch(declared, stored.sha256);
        await this.abort(mismatch);
        throw mismatch;
      }
      const finished = await lifecycle.finishUpload(this.id, stored);
      if (finished.kind === 'stored') {
        const message: JobStoredMessage = { type: 'job.stored', version: 1, jobId: this.id };
        await publisher
          .publish(QUEUES.jobs, message, { messageId: `${this.id}:stored` })
          .catch((e: unknown) => {
            logger.warn(
              { err: e, jobId: this.id },
              'job.stored not published; the outbox sweep will',
            );
          });
      }
      return finished;
    } finally {
      await this.release();
    }
  }

  /** The body broke off (`reason`): the job fails with its code, its key released. */
  async abort(reason: unknown): Promise<void> {
    await this.work; // a job being created now is ended too
    if (this.aborted) return;
    this.ended = true;
    this.aborted = true;
    if (!this.created) return;
    const error = isAppError(reason) ? reason : errors.uploadAborted();
    await this.deps.lifecycle
      .abortUpload(this.id, error.code, `the upload broke off: ${error.message}`)
      .catch((e: unknown) => {
        // The sweep ends it once the lock is gone.
        this.deps.logger.warn({ err: e, jobId: this.id }, 'could not end a broken upload');
      });
    await this.release();
  }

  private async create(): Promise<void> {
    const { lifecycle, schemas } = this.deps;
    // Held before the rows exist, so the sweep never takes a live upload for a dead one.
    this.lock = await lifecycle.uploads.lock(this.id, 0);
    if (!this.lock) throw errors.storageUnavailable(new Error('upload lock not available'));
    const { options, upload } = this;
    await lifecycle.createReceiving(
      {
        ...jobFieldsOf(options, this.deps.objectRetentionMs),
        id: this.id,
        idempotencyKey: options.idempotencyKey,
        requestFingerprint: options.idempotencyKey === null ? null : options.requestFingerprint,
        status: 'receiving',
        objectKey: upload.objectKey,
        segmentBytes: upload.segmentBytes,
        bytes: 0,
        sha256: null,
        targetSchema: await schemas.schemaFor(options.tenant),
      },
      {
        length: upload.length,
        segmentBytes: upload.segmentBytes,
        metadata: { route: RAW_UPLOAD_ROUTE },
        dedupeContent: false,
        // Not resumable: the sweep ends it as soon as no gateway holds its lock.
        expiresAt: new Date(),
      },
    );
    this.created = true;
  }

  private async release(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    await lock?.release();
  }
}
