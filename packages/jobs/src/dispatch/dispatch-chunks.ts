import { QUEUES, type ChunkTask, type MessagePublisher } from '@ingest/contracts';
import { withTransaction, type Pool, type PoolClient } from '@ingest/postgres';
import type { ChunkTaskTemplate } from '../plan/plan-records';
import { shareDispatch, type DispatchCandidate, type DispatchLimits } from './share-dispatch';

/** One dispatcher at a time in the whole deployment (a transaction-scoped advisory lock). */
const DISPATCH_LOCK = 'ingest.dispatch';

/** A live job's place in the dispatch after a round, for the metrics. */
export interface DispatchedJobState {
  jobId: string;
  tenant: string;
  inFlight: number;
  /** Recorded chunks still not dispatched. */
  waiting: number;
  /** Age of its oldest waiting chunk (before this round), 0 when none waited. */
  oldestWaitSeconds: number;
  /** Set when this round dispatched the job's first chunk: how long that chunk waited. */
  firstDispatchWaitSeconds: number | null;
}

/** What a round did, and every live job's queue as the round left it. */
export interface DispatchRound {
  published: number;
  jobs: DispatchedJobState[];
}

/**
 * One dispatch round: under the deployment-wide dispatch lock, reads every live
 * job's chunks in flight (dispatched and not in the ledger: a chunk of a killed
 * loader still counts until its redelivery commits, so credits never leak) and
 * waiting, shares the free places (`shareDispatch`), publishes those chunk tasks
 * (confirmed) and records them dispatched, then commits. Several splitters may
 * run rounds: the lock serializes them, each reading what the previous committed.
 * A crash between a publish and the commit publishes the chunk again later with
 * the same message id; the ledger makes its second load a no-op. Returns the
 * number of tasks published and each live job's queue after the round.
 */
export async function dispatchChunks(
  pool: Pool,
  publisher: MessagePublisher,
  limits: DispatchLimits,
): Promise<DispatchRound> {
  return withTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [DISPATCH_LOCK]);
    const { rows } = await db.query<{
      job_id: string;
      tenant: string;
      created_at: Date;
      in_flight: number;
      waiting: number;
      dispatched: number;
      oldest_wait_s: number | null;
    }>(
      `SELECT p.job_id, p.tenant, j.created_at,
              p.chunks_dispatched - (SELECT count(*) FROM ingest.chunk_ledger l
                                     WHERE l.job_id = p.job_id)::int AS in_flight,
              p.chunks_planned - p.chunks_dispatched AS waiting,
              p.chunks_dispatched AS dispatched,
              (SELECT extract(epoch FROM clock_timestamp() - c.planned_at)::float8
               FROM ingest.chunk_plan c
               WHERE c.job_id = p.job_id AND c.chunk_index = p.chunks_dispatched) AS oldest_wait_s
       FROM ingest.job_plans p JOIN ingest.jobs j ON j.id = p.job_id
       WHERE ingest.status_rank(j.status) < 100`,
    );
    const candidates: DispatchCandidate[] = rows.map((r) => ({
      jobId: r.job_id,
      tenant: r.tenant,
      createdAt: r.created_at.getTime(),
      inFlight: Math.max(0, r.in_flight),
      waiting: r.waiting,
    }));
    const granted = shareDispatch(candidates, limits);
    const sentByJob = new Map<string, number>();
    let published = 0;
    for (const [jobId, count] of granted) {
      const tasks = await nextTasks(db, jobId, count);
      await Promise.all(
        tasks.map((task) =>
          publisher.publish(QUEUES.chunks, task, { messageId: `${jobId}:${task.chunkIndex}` }),
        ),
      );
      await db.query(
        `WITH marked AS (
           UPDATE ingest.chunk_plan SET dispatched_at = coalesce(dispatched_at, now())
           WHERE job_id = $1 AND chunk_index = ANY($2::int[]) RETURNING 1)
         UPDATE ingest.job_plans SET chunks_dispatched = chunks_dispatched + (SELECT count(*) FROM marked)
         WHERE job_id = $1`,
        [jobId, tasks.map((t) => t.chunkIndex)],
      );
      published += tasks.length;
      sentByJob.set(jobId, tasks.length);
    }
    const jobs = rows.map((r): DispatchedJobState => {
      const sent = sentByJob.get(r.job_id) ?? 0;
      const oldestWaitSeconds = r.waiting > 0 ? Math.max(0, r.oldest_wait_s ?? 0) : 0;
      return {
        jobId: r.job_id,
        tenant: r.tenant,
        inFlight: Math.max(0, r.in_flight) + sent,
        waiting: r.waiting - sent,
        oldestWaitSeconds,
        firstDispatchWaitSeconds: r.dispatched === 0 && sent > 0 ? oldestWaitSeconds : null,
      };
    });
    return { published, jobs };
  });
}

/** The job's next `count` undispatched chunks as tasks (dispatch goes in index order). */
async function nextTasks(db: PoolClient, jobId: string, count: number): Promise<ChunkTask[]> {
  const { rows } = await db.query<{
    task: ChunkTaskTemplate;
    chunk_index: number;
    byte_start: number;
    byte_end: number;
    first_line: number;
    records: number;
    invalid_utf8: boolean;
  }>(
    `SELECT p.task, c.chunk_index, c.byte_start, c.byte_end, c.first_line, c.records, c.invalid_utf8
     FROM ingest.job_plans p
     JOIN ingest.chunk_plan c ON c.job_id = p.job_id AND c.chunk_index >= p.chunks_dispatched
     WHERE p.job_id = $1
     ORDER BY c.chunk_index LIMIT $2`,
    [jobId, count],
  );
  return rows.map((r) => ({
    ...r.task,
    chunkIndex: r.chunk_index,
    range: { start: r.byte_start, end: r.byte_end },
    firstLine: r.first_line,
    records: r.records,
    invalidUtf8: r.invalid_utf8,
  }));
}
