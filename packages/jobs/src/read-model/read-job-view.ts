import type { JobView } from '@ingest/contracts';
import type { JobStateStore } from '../job-state-store';
import type { Queryable } from '@ingest/postgres';
import type { JobRecord } from '../job-record';
import { readJobProgress } from './job-progress';
import { toJobView } from './job-view';

/** The job's record and public view from Postgres alone (the durable truth); null: unknown job. */
export async function readJob(
  db: Queryable,
  id: string,
): Promise<{ record: JobRecord; view: JobView } | null> {
  const { rows } = await db.query<JobRecord>('SELECT * FROM ingest.jobs WHERE id = $1', [id]);
  const record = rows[0];
  return record ? { record, view: toJobView(record, await readJobProgress(db, id)) } : null;
}

export async function readJobView(db: Queryable, id: string): Promise<JobView | null> {
  return (await readJob(db, id))?.view ?? null;
}

/** Copies the durable record of a job into the hot state store (after a change, or to rebuild it). */
export async function syncJobState(
  db: Queryable,
  state: JobStateStore,
  id: string,
): Promise<JobView | null> {
  const { rows } = await db.query<JobRecord>('SELECT * FROM ingest.jobs WHERE id = $1', [id]);
  const record = rows[0];
  if (!record) return null;
  const progress = await readJobProgress(db, id);
  const view = toJobView(record, progress);
  await state.put(view, progress.chunkIndexes);
  return view;
}
