import {
  SharedLockSession,
  withTransaction,
  type Pool,
  type Queryable,
  type SessionLock,
} from '@ingest/postgres';
import type { JobRecord, NewJob } from '../job-record';
import { insertJob } from '../job-records';

/** One row of `ingest.resumable_uploads`: where a tus upload's bytes stand. */
export interface ResumableUploadRecord {
  job_id: string;
  tenant: string;
  /** Null while an upload of unannounced length (multipart, chunked PUT) arrives. */
  length: number | null;
  upload_offset: number;
  tail_bytes: number;
  segment_bytes: number;
  metadata: Record<string, string | null>;
  dedupe_content: boolean;
  created_at: Date;
  expires_at: Date;
  finished_at: Date | null;
}

/** The upload with the job it belongs to (its status and where its objects go). */
export interface ResumableUpload extends ResumableUploadRecord {
  status: JobRecord['status'];
  object_key: string;
}

export interface NewResumableUpload {
  length: number | null;
  segmentBytes: number;
  metadata: Record<string, string | null>;
  dedupeContent: boolean;
  expiresAt: Date;
}

/**
 * The advisory lock of one upload, shared by every gateway (a PATCH holds it
 * while it writes) and the expiry sweep (which takes it before deleting parts).
 */
export const UPLOAD_LOCK_KEY = `hashtextextended('ingest.upload:' || $1::text, 0)`;

/** `ingest.resumable_uploads`; status changes go through the transitions. */
export class ResumableUploadRecords {
  private readonly locks: SharedLockSession;

  constructor(private readonly pool: Pool) {
    this.locks = new SharedLockSession(pool, UPLOAD_LOCK_KEY);
  }

  /** The job (status `receiving`) and its upload row, in one transaction. */
  async create(job: NewJob, upload: NewResumableUpload): Promise<JobRecord> {
    return withTransaction(this.pool, async (client) => {
      const { job: row } = await insertJob(client, job);
      await client.query(
        `INSERT INTO ingest.resumable_uploads
           (job_id, tenant, length, segment_bytes, metadata, dedupe_content, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          job.id,
          job.tenant,
          upload.length,
          upload.segmentBytes,
          JSON.stringify(upload.metadata),
          upload.dedupeContent,
          upload.expiresAt,
        ],
      );
      return row;
    });
  }

  async get(jobId: string, db: Queryable = this.pool): Promise<ResumableUpload | null> {
    const { rows } = await db.query<ResumableUpload>(
      `SELECT u.*, j.status, j.object_key FROM ingest.resumable_uploads u
       JOIN ingest.jobs j ON j.id = u.job_id WHERE u.job_id = $1`,
      [jobId],
    );
    const row = rows[0];
    return row ? numeric(row) : null;
  }

  /** Records the bytes durably stored so far (full segments plus the partial tail). */
  async recordOffset(jobId: string, offset: number, tailBytes: number): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.resumable_uploads SET upload_offset = $2, tail_bytes = $3
       WHERE job_id = $1 AND finished_at IS NULL`,
      [jobId, offset, tailBytes],
    );
  }

  /**
   * Holds the upload's lock until `release`, on the one connection all upload locks of this
   * process share (an upload can last hours; a connection each would empty the pool); waits
   * (polling) up to `timeoutMs`, then null. A gateway that dies drops its connection, and
   * with it the lock.
   */
  lock(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<SessionLock | null> {
    const deadline = Date.now() + timeoutMs;
    return this.locks.hold(jobId, {
      pollMs: 100,
      giveUp: () => Date.now() >= deadline || signal?.aborted === true,
    });
  }
}

/** bigint columns arrive as strings. */
function numeric<T extends ResumableUploadRecord>(row: T): T {
  return {
    ...row,
    length: row.length === null ? null : Number(row.length),
    upload_offset: Number(row.upload_offset),
    tail_bytes: Number(row.tail_bytes),
    segment_bytes: Number(row.segment_bytes),
  };
}
