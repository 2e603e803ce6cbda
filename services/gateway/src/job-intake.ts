import {
  QUEUES,
  type JobStoredMessage,
  type JobView,
  type MessagePublisher,
} from '@ingest/contracts';
import { errors, retryWhileRetryable } from '@ingest/errors';
import {
  estimateSecondsLeft,
  RAW_UPLOAD_ROUTE,
  type JobLifecycle,
  type JobRecord,
  type NewJob,
} from '@ingest/jobs';
import type { Logger } from '@ingest/config';
import { randomUUID } from 'node:crypto';
import { jobFieldsOf, type JobOptions } from './upload/job-options';
import type { StoredUpload } from './upload/metered-upload';
import { requestFingerprint } from './upload/request-fingerprint';
import { StreamedJob } from './upload/streamed-job';
import type { UploadRequest } from './upload/upload-request';

/** Which PostgreSQL schema holds a tenant's tables (TenantSchemas of @ingest/access). */
export interface TenantSchemaSource {
  schemaFor(tenant: string): Promise<string>;
}

/**
 * Refuses an earlier job's Idempotency-Key for another request (422
 * IDEMPOTENCY_KEY_REUSED): other options, or a body of another SHA-256 when
 * both are known. Jobs recorded before fingerprints were kept compare by body only.
 */
function assertSameRequest(earlier: JobRecord, fingerprint: string, sha256: string | null): void {
  const key = earlier.idempotency_key ?? '';
  if (earlier.request_fingerprint !== null && earlier.request_fingerprint !== fingerprint) {
    throw errors.idempotencyKeyReused(key, 'options (table, mode, dialect, …)');
  }
  if (sha256 !== null && earlier.sha256 !== null && earlier.sha256 !== sha256) {
    throw errors.idempotencyKeyReused(key, 'content (its SHA-256 differs)');
  }
}

export interface IntakeResult {
  job: JobView;
  /** False when an Idempotency-Key (or, with dedupe=content, the content) matched an earlier job. */
  created: boolean;
  /** The earlier job loads the same content into the same table (dedupe=content). */
  deduplicated?: boolean;
}

/**
 * Turns a stored upload into a job: durable record, then the confirmed publish.
 * If the publish fails the record is removed again (and the caller removes the
 * object), so a 503 leaves nothing half-created behind.
 */
export class JobIntake {
  constructor(
    private readonly jobs: JobLifecycle,
    private readonly publisher: MessagePublisher,
    private readonly logger: Logger,
    private readonly schemas: TenantSchemaSource,
    /** STORAGE_RETENTION, recorded on each job it creates. Default 7 days. */
    private readonly objectRetentionMs = 7 * 24 * 3600 * 1000,
  ) {}

  /**
   * The earlier job for this tenant's idempotency key, if there is one — when
   * the request is the same one again (its options, and its Content-Digest if
   * it declares one); otherwise IDEMPOTENCY_KEY_REUSED.
   */
  async findReplay(request: UploadRequest): Promise<JobView | null> {
    const { tenant, idempotencyKey } = request;
    if (!idempotencyKey) return null;
    const existing = await this.jobs.findByIdempotencyKey(tenant, idempotencyKey);
    if (!existing) return null;
    assertSameRequest(existing, requestFingerprint(request), request.declaredSha256);
    return this.view(existing.id, tenant);
  }

  /** With dedupe=content and a declared digest: the earlier job, found before any byte is read. */
  async findSameContent(options: JobOptions): Promise<JobView | null> {
    if (!options.dedupeContent || options.declaredSha256 === null) return null;
    const earlier = await this.jobs.findSameContent(
      options.tenant,
      options.declaredSha256,
      options.table,
    );
    return earlier ? this.view(earlier.id, options.tenant) : null;
  }

  /**
   * Records the job of a stored upload and announces it. Not `created` when an
   * earlier job of the same key (or content) wins: the upload is then not needed.
   */
  async accept(upload: StoredUpload, options: JobOptions): Promise<IntakeResult> {
    const id = randomUUID();
    const record: Omit<NewJob, 'targetSchema'> = {
      ...jobFieldsOf(options, this.objectRetentionMs),
      id,
      idempotencyKey: options.idempotencyKey,
      requestFingerprint: options.idempotencyKey === null ? null : options.requestFingerprint,
      status: 'stored',
      objectKey: upload.objectKey,
      segmentBytes: upload.segmentBytes,
      bytes: upload.bytes,
      sha256: upload.sha256,
    };
    const insert = async () => {
      // The schema is fixed on the job: a later change of the tenant's mapping leaves it be.
      const job = { ...record, targetSchema: await this.schemas.schemaFor(options.tenant) };
      return options.dedupeContent
        ? this.jobs.createUnlessSameContent(job)
        : { ...(await this.jobs.create(job)), sameContent: false };
    };
    let created: Awaited<ReturnType<typeof insert>>;
    try {
      // The upload may have taken hours: ride out a database failover (~30 s) before giving up.
      created = await retryWhileRetryable(insert, { budgetMs: 30_000 });
    } catch (e) {
      throw errors.databaseUnavailable(e);
    }
    if (!created.created) {
      // Another attempt with the same key got there first (a concurrent retry): the same request?
      if (!created.sameContent) {
        assertSameRequest(created.job, options.requestFingerprint, upload.sha256);
      }
      const job = await this.view(created.job.id, options.tenant);
      return { job, created: false, deduplicated: created.sameContent };
    }
    const message: JobStoredMessage = { type: 'job.stored', version: 1, jobId: id };
    try {
      await this.publisher.publish(QUEUES.jobs, message, { messageId: `${id}:stored` });
    } catch (e) {
      await this.jobs.discard(id).catch(() => undefined);
      throw e;
    }
    // Status reads rebuild from Postgres; a hot-state miss must not fail an accepted upload.
    const view = await this.jobs.showCreated(created.job);
    return { job: view, created: true };
  }

  /** The job of a raw upload that loads while it arrives (created with its first durable segment). */
  streamed(
    options: JobOptions,
    upload: { objectKey: string; segmentBytes: number; length: number | null },
  ): StreamedJob {
    const deps = {
      lifecycle: this.jobs,
      publisher: this.publisher,
      logger: this.logger,
      schemas: this.schemas,
      objectRetentionMs: this.objectRetentionMs,
    };
    return new StreamedJob(deps, options, upload);
  }

  /**
   * Hot state first; on a miss (expired, flushed) rebuilt from the durable
   * record. Another tenant's job is reported as not found.
   */
  async view(id: string, tenant: string): Promise<JobView> {
    const view = await this.jobs.currentView(id);
    if (!view || view.tenant !== tenant) throw errors.jobNotFound(id);
    view.progress.eta_seconds = estimateSecondsLeft(view, new Date());
    if (view.status === 'receiving') {
      // The offset moves with every request: read where it stands, not the hot copy.
      const upload = await this.jobs.uploads.get(id);
      if (upload) {
        view.upload = {
          offset: upload.upload_offset,
          length: upload.length,
          expires_at:
            upload.metadata.route === RAW_UPLOAD_ROUTE ? null : upload.expires_at.toISOString(),
        };
      }
    }
    return view;
  }
}
