import type { Encoding } from '@ingest/contracts';
import { createUtf8Transcoder } from '@ingest/csv';
import { Transform, type TransformCallback } from 'node:stream';

/** A stream around the domain's UTF-8 transcoder. */
export function createTranscodeStream(encoding: Encoding): Transform {
  const transcoder = createUtf8Transcoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      cb(null, transcoder.push(chunk));
    },
    flush(cb: TransformCallback) {
      cb(null, transcoder.end());
    },
  });
}
