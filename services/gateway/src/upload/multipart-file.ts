import type { ObjectStore } from '@ingest/object-store';
import type { Request, Response } from 'express';
import multer from 'multer';
import {
  ObjectStoreStorageEngine,
  type StorageEngineOptions,
  type StoredFileInfo,
} from './object-store-storage-engine';

export type StoredFile = Express.Multer.File & StoredFileInfo;

const PARTS = 20;
const FIELDS = 16;
const FIELD_BYTES = 64 * 1024;
/** busboy's cap on one part's headers. */
const PART_HEADER_BYTES = 16 * 1024;

/**
 * The most a form may carry besides the file's own bytes: every part's headers
 * and boundary, and every field's value. A request whose Content-Length exceeds
 * the upload limit by more than this cannot hold an acceptable file.
 */
export const MULTIPART_ENVELOPE_BYTES = PARTS * (PART_HEADER_BYTES + 256) + FIELDS * FIELD_BYTES;

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
    // RFC 7578 file names are UTF-8 (what browsers and curl send); busboy's default reads latin1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: options.limitBytes,
      files: 1,
      fields: FIELDS,
      fieldSize: FIELD_BYTES,
      fieldNameSize: 100,
      parts: PARTS,
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
