import { withTransaction, type Pool, type Queryable } from '@ingest/postgres';
import { randomUUID } from 'node:crypto';

/** One object being written, as `ingest.uploads` records it. */
export interface InFlightUpload {
  id: string;
  object_key: string;
  /** The S3 multipart upload's id, once the store started one. */
  upload_id: string | null;
  writer: string;
  started_at: Date;
  expires_at: Date;
}

/**
 * `ingest.uploads`: objects being written, recorded before their first byte
 * and renewed while their writer lives. A row whose lease ran out belongs to
 * a writer that died (or lost its database for longer than the lease).
 */
export class UploadRegistry {
  constructor(private readonly pool: Pool) {}

  /** Records a write of `objectKey` that lives `leaseMs` unless renewed; returns its id. */
  async record(objectKey: string, writer: string, leaseMs: number): Promise<string> {
    const id = randomUUID();
    await this.pool.query(
      `INSERT INTO ingest.uploads (id, object_key, writer, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')`,
      [id, objectKey, writer, leaseMs],
    );
    return id;
  }

  /**
   * Extends the lease. False when the row is gone: the sweeper took it as
   * abandoned (and removed what was written), so the write must not be used.
   * A sweeper holding the row makes this wait for its verdict.
   */
  async renew(id: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ingest.uploads SET expires_at = now() + $2 * interval '1 millisecond' WHERE id = $1`,
      [id, leaseMs],
    );
    return (rowCount ?? 0) > 0;
  }

  async recordUploadId(id: string, uploadId: string): Promise<void> {
    await this.pool.query('UPDATE ingest.uploads SET upload_id = $2 WHERE id = $1', [id, uploadId]);
  }

  /** The write ended (its object is a job's now, or was removed): nothing left to sweep. */
  async forget(id: string): Promise<void> {
    await this.pool.query('DELETE FROM ingest.uploads WHERE id = $1', [id]);
  }

  /** Of these object keys, those a recorded write (live or abandoned) owns. */
  async keysInFlight(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await this.pool.query<{ object_key: string }>(
      'SELECT DISTINCT object_key FROM ingest.uploads WHERE object_key = ANY($1::text[])',
      [keys],
    );
    return new Set(rows.map((r) => r.object_key));
  }

  /**
   * Claims up to `limit` writes whose lease ran out (`FOR UPDATE SKIP LOCKED`:
   * replicas take disjoint rows, and a renewal waits for the verdict), runs
   * `settle` on each and deletes the rows it settled, in one transaction. A
   * `settle` that throws stops the batch; the rest are claimed again later.
   * `settle` gets the upload ids other writes of the same key recorded, which
   * are not its to abort. Returns how many were settled.
   */
  async settleExpired(
    limit: number,
    settle: (upload: InFlightUpload, othersUploadIds: Set<string>) => Promise<void>,
  ): Promise<number> {
    let failure: Error | undefined;
    const settled = await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<InFlightUpload>(
        `SELECT * FROM ingest.uploads WHERE expires_at < now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const done: string[] = [];
      for (const upload of rows) {
        try {
          await settle(upload, await otherUploadIds(client, upload));
        } catch (e) {
          failure = e instanceof Error ? e : new Error(String(e));
          break;
        }
        done.push(upload.id);
      }
      if (done.length > 0) {
        await client.query('DELETE FROM ingest.uploads WHERE id = ANY($1::uuid[])', [done]);
      }
      return done.length;
    });
    if (failure !== undefined) throw failure;
    return settled;
  }
}

async function otherUploadIds(db: Queryable, upload: InFlightUpload): Promise<Set<string>> {
  const { rows } = await db.query<{ upload_id: string }>(
    `SELECT upload_id FROM ingest.uploads
     WHERE object_key = $1 AND id <> $2 AND upload_id IS NOT NULL`,
    [upload.object_key, upload.id],
  );
  return new Set(rows.map((r) => r.upload_id));
}
