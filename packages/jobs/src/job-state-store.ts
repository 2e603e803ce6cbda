import type { JobStatus, JobView } from '@ingest/contracts';

export interface ChunkCounts {
  loaded: number;
  rejected: number;
  /** Size of the chunk's byte range. */
  bytes: number;
}

/**
 * Hot job state for polling. Postgres holds the truth; this store can be lost
 * and rebuilt from it, so every update here is idempotent and monotonic.
 */
export interface JobStateStore {
  /**
   * Writes the whole view (creation, rebuild after loss, terminal states).
   * `countedChunks` are the chunks whose rows the view's counters already include.
   */
  put(view: JobView, countedChunks?: readonly number[]): Promise<void>;
  get(jobId: string): Promise<JobView | null>;
  /** Moves the status forward only; repeats and regressions are ignored. */
  advance(jobId: string, status: JobStatus, at: Date): Promise<void>;
  /** Counts a chunk's rows and bytes once, however often it is reported. */
  recordChunk(jobId: string, chunkIndex: number, counts: ChunkCounts): Promise<void>;
  /** Forgets the job (it was deleted): a read then finds nothing to serve. */
  remove(jobId: string): Promise<void>;
}
