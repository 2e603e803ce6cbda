import { statusRank, type JobStatus, type JobView } from '@ingest/contracts';
import type { ChunkCounts, JobStateStore } from './job-state-store';
import { Redis } from 'ioredis';

export interface RedisJobStateStoreOptions {
  url: string;
  /** Prefix of every key, isolating deployments and tests. Default "ingest:". */
  keyPrefix?: string;
  /** Hot state expires this long after its last update; Postgres keeps the record. Default 7 days. */
  ttlSeconds?: number;
}

/**
 * One hash per job: `view` (JSON of the durable fields), `rank` + `status`,
 * counters, and a set of counted chunk indexes that makes chunk reports idempotent.
 * The scripts hold no rank table: every caller passes `statusRank(status)` from
 * @ingest/contracts as an argument, the same table `ingest.status_rank` is made from.
 */
const RECORD_CHUNK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'chunks_done', 1)
  redis.call('HINCRBY', KEYS[1], 'rows_loaded', ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'rows_rejected', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'bytes_done', ARGV[5])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1`;

const ADVANCE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local rank = tonumber(redis.call('HGET', KEYS[1], 'rank') or '-1')
if tonumber(ARGV[2]) > rank then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'rank', ARGV[2], 'updated_at', ARGV[3])
  return 1
end
return 0`;

// A full write never lowers the status or the counters another writer already raised, and
// never replaces the view with an older one. Older means a lower status, or the same status
// with an older updated_at (ISO strings of one format compare in time order). The status
// decides first because updated_at is a transaction's start time: a job can end in a
// transaction that began before the last change it overtook, so the ended view may carry
// the older updated_at, and it must still replace the view together with its status.
// The chunks its counters include join the counted set, so a late report of one of them
// (committed, not yet reported when the view was read from Postgres) is not counted twice.
const PUT = `
for i = 10, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
if #ARGV >= 10 then redis.call('EXPIRE', KEYS[2], ARGV[9]) end
local rank = tonumber(redis.call('HGET', KEYS[1], 'rank') or '-1')
local newRank = tonumber(ARGV[3])
local viewAt = redis.call('HGET', KEYS[1], 'view_at')
if newRank > rank or (newRank == rank and (not viewAt or ARGV[4] >= viewAt)) then
  redis.call('HSET', KEYS[1], 'view', ARGV[1], 'view_at', ARGV[4],
    'status', ARGV[2], 'rank', ARGV[3], 'updated_at', ARGV[4])
end
local fields = {'chunks_done', 'rows_loaded', 'rows_rejected', 'bytes_done'}
for i, f in ipairs(fields) do
  local current = tonumber(redis.call('HGET', KEYS[1], f) or '0')
  if tonumber(ARGV[4 + i]) > current then redis.call('HSET', KEYS[1], f, ARGV[4 + i]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[9])
return 1`;

export class RedisJobStateStore implements JobStateStore {
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(options: RedisJobStateStoreOptions) {
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => undefined);
    this.prefix = options.keyPrefix ?? 'ingest:';
    this.ttl = options.ttlSeconds ?? 7 * 24 * 3600;
  }

  private key(jobId: string) {
    return `${this.prefix}job:${jobId}`;
  }

  async put(view: JobView, countedChunks: readonly number[] = []): Promise<void> {
    const key = this.key(view.id);
    await this.redis.eval(
      PUT,
      2,
      key,
      `${key}:chunks`,
      JSON.stringify(view),
      view.status,
      statusRank(view.status),
      view.updated_at,
      view.chunks.done,
      view.rows.loaded,
      view.rows.rejected,
      view.progress.bytes_done,
      this.ttl,
      ...countedChunks,
    );
  }

  async get(jobId: string): Promise<JobView | null> {
    const h = await this.redis.hgetall(this.key(jobId));
    if (!h.view) return null;
    const view = JSON.parse(h.view) as JobView;
    view.status = (h.status ?? view.status) as JobStatus;
    view.updated_at = h.updated_at ?? view.updated_at;
    view.chunks = { total: view.chunks.total, done: Number(h.chunks_done ?? 0) };
    view.rows = { loaded: Number(h.rows_loaded ?? 0), rejected: Number(h.rows_rejected ?? 0) };
    view.progress = { bytes_done: Number(h.bytes_done ?? 0), eta_seconds: null };
    return view;
  }

  async advance(jobId: string, status: JobStatus, at: Date): Promise<void> {
    await this.redis.eval(
      ADVANCE,
      1,
      this.key(jobId),
      status,
      statusRank(status),
      at.toISOString(),
    );
  }

  async recordChunk(jobId: string, chunkIndex: number, counts: ChunkCounts) {
    const key = this.key(jobId);
    await this.redis.eval(
      RECORD_CHUNK,
      2,
      key,
      `${key}:chunks`,
      chunkIndex,
      counts.loaded,
      counts.rejected,
      this.ttl,
      counts.bytes,
    );
  }

  async remove(jobId: string): Promise<void> {
    const key = this.key(jobId);
    await this.redis.del(key, `${key}:chunks`);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
