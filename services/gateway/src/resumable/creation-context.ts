import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import type { JobOptions } from '../upload/job-options';

/**
 * What the route checked about a tus creation before handing it to the tus
 * server: the store's `create` records the job from it. Carried in async
 * context because the tus server calls the store with the upload alone.
 */
export interface CreationContext {
  jobId: string;
  options: JobOptions;
  /** The Upload-Metadata as sent (decoded), kept on the upload row. */
  metadata: Record<string, string | null>;
  /** The creation's response: the store adds `Ingest-Job-Id` once the job exists. */
  res: ServerResponse;
}

export const creationContext = new AsyncLocalStorage<CreationContext>();
