import type { Logger } from '@ingest/config';
import { errors } from '@ingest/errors';
import type { Pool } from '@ingest/postgres';

export interface ChunkGuardOptions {
  pool: Pool;
  logger: Logger;
  /** How often the jobs of chunks in flight are checked for a cancel (or a failure). */
  checkIntervalMs: number;
  /** A chunk's time budget: `baseMs` plus `perMibMs` per MiB of its byte range. */
  budget: { baseMs: number; perMibMs: number };
}

/** A chunk being loaded: aborted when its job ends or its budget runs out. */
export interface GuardedChunk {
  signal: AbortSignal;
  budgetMs: number;
  /** Stops watching it (always call, success or not). */
  release(): void;
}

/** The abort reason of a chunk whose job was cancelled (or failed) while it loaded. */
export class JobEndedWhileLoading extends Error {
  override readonly name = 'JobEndedWhileLoading';
  constructor(
    readonly jobId: string,
    readonly status: string,
  ) {
    super(`job ${jobId} is ${status}: its chunk in progress was aborted`);
  }
}

/** Jobs of the given ids that are cancelled, failed, or gone (deleted once ended). */
const ENDED_JOBS = `SELECT w.id::text AS id, coalesce(j.status, 'gone') AS status
  FROM unnest($1::uuid[]) AS w(id) LEFT JOIN ingest.jobs j ON j.id = w.id
  WHERE j.id IS NULL OR j.status IN ('cancelled', 'failed')`;

const MIB = 1024 * 1024;

/**
 * Bounds the chunks this loader works on. A watchdog aborts a chunk that outlives its time
 * budget (CHUNK_TIMEOUT, retryable); a periodic check of the jobs of the chunks in flight
 * aborts those whose job was cancelled or failed (JobEndedWhileLoading), so a cancel frees
 * the loader within about one interval. One query per interval for all chunks in flight, and
 * none while there are none.
 */
export class ChunkGuard {
  private readonly inFlight = new Map<AbortController, string>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: ChunkGuardOptions) {}

  /** The budget of a chunk of this many bytes. */
  budgetFor(bytes: number): number {
    const { baseMs, perMibMs } = this.options.budget;
    return Math.round(baseMs + (perMibMs * bytes) / MIB);
  }

  guard(jobId: string, chunkIndex: number, bytes: number): GuardedChunk {
    const controller = new AbortController();
    const budgetMs = this.budgetFor(bytes);
    const watchdog = setTimeout(() => {
      this.options.logger.warn({ jobId, chunk: chunkIndex, budgetMs }, 'chunk over its budget');
      controller.abort(errors.chunkTimeout(chunkIndex, budgetMs));
    }, budgetMs);
    this.inFlight.set(controller, jobId);
    return {
      signal: controller.signal,
      budgetMs,
      release: () => {
        clearTimeout(watchdog);
        this.inFlight.delete(controller);
      },
    };
  }

  start(): void {
    this.timer = setInterval(() => void this.checkJobs(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async checkJobs(): Promise<void> {
    if (this.checking || this.inFlight.size === 0) return;
    this.checking = true;
    try {
      const ids = [...new Set(this.inFlight.values())];
      const { rows } = await this.options.pool.query<{ id: string; status: string }>(ENDED_JOBS, [
        ids,
      ]);
      for (const ended of rows) {
        for (const [controller, jobId] of this.inFlight) {
          if (jobId !== ended.id || controller.signal.aborted) continue;
          controller.abort(new JobEndedWhileLoading(jobId, ended.status));
        }
      }
    } catch (e) {
      // The database is away: the chunk's own statements fail and retry; check again next time.
      this.options.logger.warn({ err: e }, 'could not check the jobs of chunks in flight');
    } finally {
      this.checking = false;
    }
  }
}
