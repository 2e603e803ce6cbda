import type { ObjectStore } from '@ingest/object-store';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { randomUUID } from 'node:crypto';
import { storeMeteredUpload, type MinimumPace, type StoredUpload } from './metered-upload';

export interface StoredFileInfo extends StoredUpload {
  /** multer removes files that have a `path` when a request fails after storing them. */
  path: string;
}

/**
 * A multer storage engine that streams the file part straight into object
 * storage under a server-chosen key: no memory buffer, no temp file.
 */
export class ObjectStoreStorageEngine implements StorageEngine {
  constructor(
    private readonly store: ObjectStore,
    private readonly limitBytes: number,
    private readonly pace?: MinimumPace,
    /**
     * Runs when the file part starts, with the fields sent before it already in
     * `req.body`: throwing refuses the request before a byte is stored.
     */
    private readonly beforeStore?: (req: Request) => void,
  ) {}

  _handleFile(
    req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ): void {
    try {
      this.beforeStore?.(req);
    } catch (e) {
      file.stream.resume();
      callback(e);
      return;
    }
    const objectKey = `uploads/${randomUUID()}`;
    storeMeteredUpload(this.store, objectKey, file.stream, this.limitBytes, {
      metadata: { 'original-name': encodeURIComponent(file.originalname) },
      // The whole request's length bounds the file part's.
      expectedBytes: declaredLength(req),
      pace: this.pace,
    }).then(
      (stored) => callback(null, { ...stored, path: objectKey }),
      (e: unknown) => callback(e),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void) {
    this.store.remove(file.path).then(
      () => callback(null),
      (e: unknown) => callback(e as Error),
    );
  }
}

/** The request's Content-Length, when it sent a valid one. */
export function declaredLength(req: Request): number | undefined {
  const n = Number(req.get('Content-Length'));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
