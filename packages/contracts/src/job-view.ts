import type { Dialect } from './dialect';
import type { JobStatus } from './job-status';

/** The public shape of a job, as `GET /v1/jobs/:id` returns it and webhooks carry it. */
export interface JobView {
  id: string;
  /** The tenant (API key owner) the job belongs to. */
  tenant: string;
  status: JobStatus;
  /** The target table in its tenant's schema: `t_acme.orders` (the schema chosen when the job was created). */
  table: string;
  file_name: string | null;
  /** Where the job's own events are POSTed (`?webhook_url=`), if anywhere. */
  webhook_url: string | null;
  /** Bytes stored (as uploaded). */
  bytes: number;
  /** Bytes of plain UTF-8 CSV the splitter scanned (after decompression/transcoding). */
  bytes_scanned: number | null;
  sha256: string | null;
  dialect: Dialect | null;
  chunks: { total: number | null; done: number };
  records: number | null;
  rows: { loaded: number; rejected: number };
  /**
   * Bytes of the scanned source in committed chunks, and the expected seconds to
   * completion from the rate observed since loading began (null when unknown or ended).
   */
  progress: { bytes_done: number; eta_seconds: number | null };
  /**
   * The job's chunks in the fair dispatch (absent for a job planned before it): recorded
   * in its plan, dispatched (tasks published), in flight (dispatched, not committed),
   * waiting (recorded, not dispatched) and since when the oldest waiting chunk waits.
   */
  queue?: JobQueue;
  /** When each stage began (stored = upload finished and job recorded). */
  timings: { stored_at: string; planned_at: string | null; loading_started_at: string | null };
  /** The five most frequent reject reasons (from Postgres; refreshed when the view is rebuilt). */
  rejects_top?: { code: string; count: number }[];
  /** The table schema the job loads with, and where it came from. */
  schema?: unknown;
  schema_source?: 'declared' | 'dataset' | 'inferred' | null;
  /** How rows reach the table: mode, key (upsert), and whether all appear at once. */
  load: { mode: 'append' | 'upsert' | 'replace'; key: string[] | null; atomic: boolean };
  /**
   * Whether the upload and its derived objects are still in storage, and when they go:
   * `expires_at` is the job's end plus its retention (null while the job runs).
   */
  object: { stored: boolean; expires_at: string | null };
  /**
   * A resumable (tus) upload while its bytes arrive (status `receiving`): bytes stored so
   * far, the length announced at creation, and when it expires unless finished.
   */
  upload?: { offset: number; length: number; expires_at: string };
  error?: { code: string; message: string };
  created_at: string;
  updated_at: string;
  completed_at?: string;
}

/** A job's place in the dispatch (see `JobView.queue`). */
export interface JobQueue {
  planned: number;
  dispatched: number;
  in_flight: number;
  waiting: number;
  /** When the oldest chunk still waiting was recorded; null when none waits. */
  waiting_since: string | null;
}
