import { newUploadKey, type ObjectStore } from '@ingest/object-store';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import {
  storeMeteredUpload,
  type MinimumPace,
  type StoredUpload,
  type WriteTracker,
} from './metered-upload';

export interface StoredFileInfo extends StoredUpload {
  /** multer removes files that have a `path` when a request fails after storing them. */
  path: string;
}

export interface StorageEngineOptions {
  limitBytes: number;
  pace?: MinimumPace;
  /** An upper bound of the file part's size (the whole request's Content-Length). */
  expectedBytes?: number;
  /**
   * Runs when the file part starts, with the form fields sent before it:
   * throwing refuses the request before a byte is stored.
   */
  beforeStore?: (fields: Record<string, unknown> | undefined) => void;
  tracker?: WriteTracker;
  /** See UploadOptions.textChecks. */
  textChecks?: boolean;
}

/**
 * A multer storage engine that streams the file part straight into object
 * storage under a server-chosen key: no memory buffer, no temp file.
 */
export class ObjectStoreStorageEngine implements StorageEngine {
  constructor(
    private readonly store: ObjectStore,
    private readonly options: StorageEngineOptions,
  ) {}

  _handleFile(
    req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ): void {
    try {
      // multer has put the fields read so far into req.body.
      this.options.beforeStore?.(req.body as Record<string, unknown> | undefined);
    } catch (e) {
      file.stream.resume();
      callback(e);
      return;
    }
    const objectKey = newUploadKey();
    storeMeteredUpload(this.store, objectKey, file.stream, this.options.limitBytes, {
      metadata: { 'original-name': encodeURIComponent(file.originalname) },
      expectedBytes: this.options.expectedBytes,
      pace: this.options.pace,
      tracker: this.options.tracker,
      textChecks: this.options.textChecks,
    }).then(
      (stored) => callback(null, { ...stored, path: objectKey }),
      (e: unknown) => callback(e),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void) {
    const { tracking } = file as Express.Multer.File & Partial<StoredUpload>;
    this.store
      .remove(file.path)
      .then(() => tracking?.close())
      .then(
        () => callback(null),
        (e: unknown) => callback(e as Error),
      );
  }
}
