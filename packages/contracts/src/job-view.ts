import type { Dialect } from './dialect';
import type { JobStatus } from './job-status';

/** The public shape of a job, as `GET /v1/jobs/:id` returns it and webhooks carry it. */
export interface JobView {
  id: string;
  status: JobStatus;
  table: string;
  file_name: string | null;
  bytes: number;
  sha256: string | null;
  dialect: Dialect | null;
  chunks: { total: number | null; done: number };
  records: number | null;
  rows: { loaded: number; rejected: number };
  error?: { code: string; message: string };
  created_at: string;
  updated_at: string;
  completed_at?: string;
}
