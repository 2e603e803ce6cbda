import type { MessagePublisher } from '@ingest/contracts';
import type { JobLifecycle } from '@ingest/jobs';
import type { ObjectStore } from '@ingest/object-store';
import type { UploadRegistry } from '../upload-registry';

export interface SweepLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** What every sweep works with. */
export interface SweepContext {
  lifecycle: JobLifecycle;
  store: ObjectStore;
  uploads: UploadRegistry;
  publisher: MessagePublisher;
  logger: SweepLogger;
  /** Says once per process that the store cannot abort multipart uploads. */
  noteAbortUnsupported(): void;
}
