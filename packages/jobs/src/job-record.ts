import type { JobQueue } from '@ingest/contracts';
import type { Dialect, DialectOverrides, JobStatus, LoadMode, LoadPlan } from '@ingest/contracts';

/** One row of `ingest.jobs`, as node-postgres returns it. */
export interface JobRecord {
  id: string;
  tenant: string;
  idempotency_key: string | null;
  /** SHA-256 of the options the job was created with under its idempotency key. */
  request_fingerprint: string | null;
  status: JobStatus;
  /** The tenant's schema the table lives in, fixed when the job was created. */
  target_schema: string;
  table_name: string;
  file_name: string | null;
  object_key: string;
  /** The upload is stored as segments `<object_key>/<n>` of this size (null: one object). */
  segment_bytes: number | null;
  bytes: number;
  sha256: string | null;
  chunk_bytes: number | null;
  webhook_url: string | null;
  dialect: Dialect | null;
  dialect_overrides: DialectOverrides;
  source_key: string | null;
  bytes_scanned: number | null;
  columns: string[] | null;
  chunks_total: number | null;
  records_found: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  announced_at: Date | null;
  planned_at: Date | null;
  loading_at: Date | null;
  /** The table schema the job loads with (a TableSchema from @ingest/normalize, as JSON). */
  schema: unknown;
  schema_source: SchemaSource | null;
  max_rejects_count: number | null;
  max_rejects_ratio: number | null;
  header_raw: Buffer | null;
  load_mode: LoadMode;
  load_key: string[] | null;
  atomic: boolean;
  /** Chosen by the splitter before the first chunk; null until then. */
  load_plan: LoadPlan | null;
  /** How long the job's objects are kept after it ends (STORAGE_RETENTION at creation). */
  object_retention_seconds: number;
  /** When the sweeper (or a delete) removed the job's objects; null while they are stored. */
  object_removed_at: Date | null;
  /** When a splitter first took the job's message (the outbox sweep republishes jobs never taken). */
  planning_started_at: Date | null;
  republished_at: Date | null;
  /** The X-Request-Id of the upload that created the job (for log lines about it). */
  request_id: string | null;
}

export type SchemaSource = 'declared' | 'dataset' | 'inferred';

export interface NewJob {
  id: string;
  tenant: string;
  idempotencyKey: string | null;
  status: JobStatus;
  /** SHA-256 of the request's options, kept with the idempotency key (see requestFingerprint). */
  requestFingerprint?: string | null;
  /** The tenant's schema (TenantSchemas.schemaFor). */
  targetSchema: string;
  table: string;
  fileName: string | null;
  objectKey: string;
  segmentBytes?: number | null;
  bytes: number;
  sha256: string | null;
  chunkBytes: number | null;
  webhookUrl: string | null;
  dialectOverrides: DialectOverrides;
  schema?: unknown;
  schemaSource?: SchemaSource | null;
  maxRejects?: { count: number | null; ratio: number | null };
  load?: { mode: LoadMode; key: string[] | null; atomic: boolean };
  /** Seconds the objects are kept after the job ends. Default 7 days. */
  objectRetentionSeconds?: number;
  /** The X-Request-Id of the upload, carried into the workers' log lines. */
  requestId?: string | null;
}

export interface JobProgress {
  chunksDone: number;
  rowsLoaded: number;
  rowsRejected: number;
  /** The ledger's committed chunks (the counters above include exactly these). */
  chunkIndexes?: number[];
  /** Bytes of the committed chunks' ranges. */
  bytesDone?: number;
  /** The most frequent reject reasons (at most five). */
  rejectsTop?: { code: string; count: number }[];
  /** The job's chunks in the dispatch; undefined: no recorded plan. */
  queue?: JobQueue;
}
