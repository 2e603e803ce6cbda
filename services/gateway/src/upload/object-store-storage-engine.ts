import { newUploadKey, type ObjectStore } from '@ingest/object-store';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import {
  removeUpload,
  storeMeteredUpload,
  type UploadOptions,
  type MinimumPace,
  type StoredUpload,
  type WriteTracker,
} from './metered-upload';

export interface StoredFileInfo extends StoredUpload {
  /** multer removes files that have a `path` when a request fails after storing them. */
  path: string;
  /** Ends the job that loads the file while it arrives, before its objects are removed. */
  beforeRemove?: (reason: Error) => Promise<void>;
}

export interface StorageEngineOptions {
  limitBytes: number;
  pace?: MinimumPace;
  /** An upper bound of the file part's size (the whole request's Content-Length). */
  expectedBytes?: number;
  /** The least the file part can be (the request's length less what else a form may carry). */
  atLeastBytes?: number;
  /** Stores the file part as segments of this size (see UploadOptions.segmentBytes). */
  segmentBytes?: number;
  /**
   * Runs when the file part starts, with the form fields sent before it, the
   * part's file name and the key it is stored under: throwing refuses the
   * request before a byte is stored; what it returns hears of the stored
   * prefixes and of a failure (a job that loads while the file arrives).
   */
  beforeStore?: (
    fields: Record<string, unknown> | undefined,
    fileName: string,
    objectKey: string,
  ) => Pick<UploadOptions, 'onDurable' | 'beforeRemove'>;
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
    const objectKey = newUploadKey();
    let hooks: Pick<UploadOptions, 'onDurable' | 'beforeRemove'> = {};
    try {
      // multer has put the fields read so far into req.body.
      const fields = req.body as Record<string, unknown> | undefined;
      hooks = this.options.beforeStore?.(fields, file.originalname, objectKey) ?? {};
    } catch (e) {
      file.stream.resume();
      callback(e);
      return;
    }
    const { expectedBytes, atLeastBytes, segmentBytes, pace, tracker, textChecks } = this.options;
    storeMeteredUpload(this.store, objectKey, file.stream, this.options.limitBytes, {
      expectedBytes,
      atLeastBytes,
      segmentBytes,
      pace,
      tracker,
      textChecks,
      ...hooks,
    }).then(
      (stored) => {
        const info: StoredFileInfo = {
          ...stored,
          path: objectKey,
          beforeRemove: hooks.beforeRemove,
        };
        callback(null, info);
      },
      (e: unknown) => callback(e),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void) {
    const stored = file as Express.Multer.File & StoredFileInfo;
    Promise.resolve(stored.beforeRemove?.(new Error('the form failed after its file part')))
      .then(() => removeUpload(this.store, stored))
      .then(() => stored.tracking?.close())
      .then(
        () => callback(null),
        (e: unknown) => callback(e as Error),
      );
  }
}
