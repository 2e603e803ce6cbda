import type { JobStateStore } from '@ingest/domain';
import { toJobView, type JobRepository } from './job-repository';
import type { JobView } from '@ingest/contracts';

/** Copies the durable record of a job into the hot state store (after a change, or to rebuild it). */
export async function syncJobState(
  jobs: JobRepository,
  state: JobStateStore,
  jobId: string,
): Promise<JobView | null> {
  const record = await jobs.get(jobId);
  if (!record) return null;
  const progress = await jobs.progress(jobId);
  const view = toJobView(record, progress);
  await state.put(view, progress.chunkIndexes);
  return view;
}
