import { Server as TusServer } from '@tus/server';
import { creationContext } from './creation-context';
import { PgUploadLocker } from './pg-upload-locker';
import { SegmentDataStore, type SegmentDataStoreDeps } from './segment-data-store';
import { UPLOADS_PATH } from './tus-routes';

export interface TusServerOptions extends SegmentDataStoreDeps {
  /** GATEWAY_MAX_UPLOAD_BYTES: the deployment's limit (a key's lower one is checked at creation). */
  maxUploadBytes: number;
}

/** The tus server of /v1/uploads over our data store and cross-gateway locks. */
export function createTusServer(options: TusServerOptions): TusServer {
  return new TusServer({
    path: UPLOADS_PATH,
    datastore: new SegmentDataStore(options),
    locker: new PgUploadLocker(options.lifecycle.uploads),
    // Relative: right behind any proxy, and tus clients resolve it against the endpoint.
    relativeLocation: true,
    maxSize: options.maxUploadBytes,
    exposedHeaders: ['Ingest-Job-Id'],
    // The upload's id is its job's, chosen by the route once the options passed.
    namingFunction: () => {
      const ctx = creationContext.getStore();
      if (!ctx) throw new Error('a resumable upload is created only through its checked route');
      return ctx.jobId;
    },
  });
}
