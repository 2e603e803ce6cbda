import type { JobView } from '@ingest/contracts';
import type { JobProgress, JobRecord } from '../job-record';

/** The public view of a job from its durable record and progress. */
export function toJobView(job: JobRecord, progress: JobProgress): JobView {
  const view: JobView = {
    id: job.id,
    tenant: job.tenant,
    status: job.status,
    table: `${job.target_schema}.${job.table_name}`,
    file_name: job.file_name,
    webhook_url: job.webhook_url,
    bytes: job.bytes,
    bytes_scanned: job.bytes_scanned,
    sha256: job.sha256,
    dialect: job.dialect,
    chunks: { total: job.chunks_total, done: progress.chunksDone },
    records: job.records_found,
    rows: { loaded: progress.rowsLoaded, rejected: progress.rowsRejected },
    progress: { bytes_done: progress.bytesDone ?? 0, eta_seconds: null },
    timings: {
      stored_at: job.created_at.toISOString(),
      planned_at: job.planned_at?.toISOString() ?? null,
      loading_started_at: job.loading_at?.toISOString() ?? null,
    },
    rejects_top: progress.rejectsTop ?? [],
    schema: job.schema ?? null,
    schema_source: job.schema_source ?? null,
    load: { mode: job.load_mode, key: job.load_key, atomic: job.atomic },
    object: {
      stored: job.object_removed_at === null,
      expires_at:
        job.completed_at === null
          ? null
          : new Date(
              job.completed_at.getTime() + Number(job.object_retention_seconds) * 1000,
            ).toISOString(),
    },
    created_at: job.created_at.toISOString(),
    updated_at: job.updated_at.toISOString(),
  };
  if (progress.queue) view.queue = progress.queue;
  if (job.error_code) view.error = { code: job.error_code, message: job.error_message ?? '' };
  if (job.completed_at) view.completed_at = job.completed_at.toISOString();
  return view;
}
