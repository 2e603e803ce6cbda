import type { Pool } from '@ingest/postgres';

export interface ChunkFailure {
  attempts: number;
  lastCode: string | null;
  lastError: string;
}

export interface DeadLetter {
  queue: string;
  /** The message's id (`<job>:<chunk>` for chunk tasks); a redelivered dead letter is kept once. */
  messageId: string | null;
  jobId: string | null;
  chunkIndex: number | null;
  /** The broker's reason (`delivery_limit`, `rejected`, …). */
  reason: string;
  deliveries: number | null;
  body: unknown;
}

/** Failed attempts of chunks and the messages the broker dead-lettered. */
export class FailureRecords {
  constructor(private readonly pool: Pool) {}

  /** Counts a failed attempt of a chunk and keeps its error. */
  async recordChunkFailure(
    jobId: string,
    chunkIndex: number,
    code: string | null,
    error: string,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO ingest.chunk_failures (job_id, chunk_index, last_code, last_error)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (job_id, chunk_index) DO UPDATE SET attempts = chunk_failures.attempts + 1,
         last_code = excluded.last_code, last_error = excluded.last_error, failed_at = now()`,
      [jobId, chunkIndex, code, error],
    );
  }

  async chunkFailure(jobId: string, chunkIndex: number): Promise<ChunkFailure | null> {
    const { rows } = await this.pool.query<{
      attempts: number;
      last_code: string | null;
      last_error: string;
    }>(
      `SELECT attempts, last_code, last_error FROM ingest.chunk_failures
       WHERE job_id = $1 AND chunk_index = $2`,
      [jobId, chunkIndex],
    );
    const row = rows[0];
    return row
      ? { attempts: row.attempts, lastCode: row.last_code, lastError: row.last_error }
      : null;
  }

  /** Keeps a dead letter; false when the same message was already kept. */
  async recordDeadLetter(letter: DeadLetter): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ingest.dead_letters
         (queue, message_id, job_id, chunk_index, reason, deliveries, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (queue, message_id) DO NOTHING`,
      [
        letter.queue,
        letter.messageId,
        letter.jobId,
        letter.chunkIndex,
        letter.reason,
        letter.deliveries,
        letter.body === undefined ? null : JSON.stringify(letter.body),
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  async deadLetters(jobId: string): Promise<(DeadLetter & { deadAt: Date })[]> {
    const { rows } = await this.pool.query<{
      queue: string;
      message_id: string | null;
      job_id: string | null;
      chunk_index: number | null;
      reason: string;
      deliveries: number | null;
      body: unknown;
      dead_at: Date;
    }>('SELECT * FROM ingest.dead_letters WHERE job_id = $1 ORDER BY id', [jobId]);
    return rows.map((r) => ({
      queue: r.queue,
      messageId: r.message_id,
      jobId: r.job_id,
      chunkIndex: r.chunk_index,
      reason: r.reason,
      deliveries: r.deliveries,
      body: r.body,
      deadAt: r.dead_at,
    }));
  }
}
