import type { Queryable } from '@ingest/postgres';
import type { JobProgress, JobRecord } from '../job-record';

export interface SettleOptions {
  /** The caller just committed a chunk: the job moves to `loading` if it is not there yet. */
  loaded: boolean;
  /** The caller holds the staged publish (completeStagedJob): a staged job may complete. */
  publishing: boolean;
}

export interface SettledJob {
  /** The job after this statement (the new row when it moved, else as read). */
  job: JobRecord;
  /** This statement changed the job's status (to `loading`, or ended it). */
  moved: boolean;
  /** Every chunk is in and the verdict passes, but a staged job completes only by publishing. */
  publishDue: boolean;
  /** Ledger totals; the chunk list and top rejects only when the view must be rewritten. */
  progress: JobProgress;
}

/**
 * Settle a job against its ledger — the one statement each loader runs after
 * its chunk commits (and the splitter after planning). Under READ COMMITTED
 * the statement sees every committed chunk, so the last committer always
 * sees them all, and the status only moves forward, so exactly one caller
 * ends the job.
 *
 * The verdict, judged here and nowhere else:
 * - every chunk in, loaded + rejected ≠ records the splitter found → failed, RECONCILIATION_MISMATCH
 * - rejected > a count budget (at any time: it can only grow) → failed, REJECT_BUDGET_EXCEEDED
 * - every chunk in, rejected / (loaded + rejected) > a share budget → failed, REJECT_BUDGET_EXCEEDED
 *
 * Transitions, each only forward (status_rank):
 * - a failing verdict ends a live job `failed`;
 * - every chunk in with a passing verdict ends it `completed` — a staged job
 *   only for a `publishing` caller, others get `publishDue` instead;
 * - otherwise a `loaded` caller moves it to `loading` (first chunk) — except a
 *   `receiving` job (its upload goes on; finishUpload moves it on).
 * Not met (chunks missing, budget kept, already `loading`): nothing changes.
 * Repeated or after the end: nothing changes; the ended job is returned, with
 * the progress its view needs while its terminal event is unannounced.
 * Null for an unknown job.
 */
const SETTLE = `
WITH ledger AS (
  SELECT count(*)::int AS chunks,
         coalesce(sum(rows_loaded), 0)::bigint AS loaded,
         coalesce(sum(rows_rejected), 0)::bigint AS rejected,
         coalesce(sum(bytes), 0)::bigint AS bytes,
         min(committed_at) AS first_at
  FROM ingest.chunk_ledger WHERE job_id = $1
),
verdict AS (
  SELECT j.id, j.status AS status_now, ledger.first_at, j.records_found, j.max_rejects_count, j.max_rejects_ratio, ledger.rejected,
         ledger.loaded + ledger.rejected AS accounted,
         j.chunks_total IS NOT NULL AND ledger.chunks >= j.chunks_total AS all_in,
         coalesce(j.load_plan->>'kind' = 'staged', false) AS staged,
         CASE
           WHEN j.chunks_total IS NOT NULL AND ledger.chunks >= j.chunks_total
                AND ledger.loaded + ledger.rejected <> j.records_found
             THEN 'RECONCILIATION_MISMATCH'
           WHEN ledger.rejected > j.max_rejects_count
             THEN 'REJECT_BUDGET_EXCEEDED'
           WHEN j.chunks_total IS NOT NULL AND ledger.chunks >= j.chunks_total
                AND ledger.loaded + ledger.rejected > 0
                AND ledger.rejected::float8 / (ledger.loaded + ledger.rejected) > j.max_rejects_ratio
             THEN 'REJECT_BUDGET_EXCEEDED'
         END AS code
  FROM ingest.jobs j, ledger WHERE j.id = $1
),
next AS (
  SELECT v.*,
         CASE
           WHEN v.code IS NOT NULL THEN 'failed'
           WHEN v.all_in AND (NOT v.staged OR $3) THEN 'completed'
           -- A resumable upload loading while it arrives stays 'receiving' until its last byte.
           WHEN $2 AND v.status_now <> 'receiving' THEN 'loading'
         END AS status
  FROM verdict v
),
moved AS (
  UPDATE ingest.jobs j SET
    status = n.status,
    error_code = n.code,
    error_message = CASE
      WHEN n.code = 'RECONCILIATION_MISMATCH' THEN
        format('the splitter found %s records but loaders accounted for %s (loaded + rejected)',
               n.records_found, n.accounted)
      WHEN n.code = 'REJECT_BUDGET_EXCEEDED' AND n.all_in THEN
        format('%s of %s rows were rejected, more than max_rejects allows (%s)',
               n.rejected, n.accounted,
               coalesce(n.max_rejects_count::text, (n.max_rejects_ratio * 100)::text || '%'))
      WHEN n.code = 'REJECT_BUDGET_EXCEEDED' THEN
        format('%s rows rejected so far, more than max_rejects allows (%s)',
               n.rejected, n.max_rejects_count)
    END,
    -- Loading began with the first chunk in the ledger. A chunk committed while its job was
    -- still 'receiving' (the upload's end racing the commit) has not set it yet.
    loading_at = coalesce(j.loading_at, n.first_at),
    completed_at = CASE WHEN n.status = 'loading' THEN j.completed_at ELSE now() END,
    updated_at = now()
  FROM next n
  WHERE j.id = n.id AND n.status IS NOT NULL
    AND ingest.status_rank(j.status) < ingest.status_rank(n.status)
  RETURNING j.*
),
job AS (
  SELECT * FROM moved
  UNION ALL
  SELECT * FROM ingest.jobs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM moved)
),
needs AS (
  SELECT EXISTS (SELECT 1 FROM moved)
         OR (ingest.status_rank(job.status) = 100 AND job.announced_at IS NULL) AS view
  FROM job
)
SELECT job.*,
       EXISTS (SELECT 1 FROM moved) AS settle_moved,
       n.all_in AND n.staged AND n.code IS NULL AND ingest.status_rank(job.status) < 100
         AS settle_publish_due,
       ledger.chunks AS settle_chunks, ledger.loaded AS settle_loaded,
       ledger.rejected AS settle_rejected, ledger.bytes AS settle_bytes,
       CASE WHEN needs.view THEN
         (SELECT coalesce(array_agg(chunk_index), '{}') FROM ingest.chunk_ledger WHERE job_id = $1)
       END AS settle_chunk_indexes,
       CASE WHEN needs.view THEN
         (SELECT coalesce(jsonb_agg(t), '[]') FROM (
            SELECT code, count(*)::int AS count FROM ingest.rejects WHERE job_id = $1
            GROUP BY code ORDER BY count(*) DESC, code LIMIT 5) t)
       END AS settle_rejects_top
FROM job, next n, ledger, needs`;

interface SettleRow extends JobRecord {
  settle_moved: boolean;
  settle_publish_due: boolean;
  settle_chunks: number;
  settle_loaded: number;
  settle_rejected: number;
  settle_bytes: number;
  settle_chunk_indexes: number[] | null;
  settle_rejects_top: { code: string; count: number }[] | null;
}

export async function settleJob(
  db: Queryable,
  id: string,
  options: SettleOptions,
): Promise<SettledJob | null> {
  const { rows } = await db.query<SettleRow>(SETTLE, [id, options.loaded, options.publishing]);
  const row = rows[0];
  if (!row) return null;
  const {
    settle_moved: moved,
    settle_publish_due: publishDue,
    settle_chunks: chunksDone,
    settle_loaded: rowsLoaded,
    settle_rejected: rowsRejected,
    settle_bytes: bytesDone,
    settle_chunk_indexes: chunkIndexes,
    settle_rejects_top: rejectsTop,
    ...job
  } = row;
  const progress: JobProgress = { chunksDone, rowsLoaded, rowsRejected, bytesDone };
  if (chunkIndexes !== null) progress.chunkIndexes = chunkIndexes;
  if (rejectsTop !== null) progress.rejectsTop = rejectsTop;
  return { job, moved, publishDue, progress };
}
