import type { ObjectStore } from '@ingest/object-store';
import type { Request, Response } from 'express';
import multer from 'multer';
import {
  ObjectStoreStorageEngine,
  type StorageEngineOptions,
  type StoredFileInfo,
} from './object-store-storage-engine';

export type StoredFile = Express.Multer.File & StoredFileInfo;

/**
 * Reads a multipart body, streaming its `file` part into storage; the other
 * fields land in `req.body`. Explicit limits: one file part, a few small
 * fields, bounded part headers. Undefined when the body has no file part.
 */
export function receiveMultipartFile(
  req: Request,
  res: Response,
  store: ObjectStore,
  options: StorageEngineOptions,
): Promise<StoredFile | undefined> {
  const parse = multer({
    storage: new ObjectStoreStorageEngine(store, options),
    limits: {
      fileSize: options.limitBytes,
      files: 1,
      fields: 16,
      fieldSize: 64 * 1024,
      fieldNameSize: 100,
      parts: 20,
      headerPairs: 100,
    },
  }).single('file');
  return new Promise((resolve, reject) => {
    parse(req, res, (err?: unknown) => {
      if (err instanceof Error) reject(err);
      else if (err === undefined || err === null) resolve(req.file as StoredFile | undefined);
      else reject(new Error('multipart parsing failed', { cause: err }));
    });
  });
}
