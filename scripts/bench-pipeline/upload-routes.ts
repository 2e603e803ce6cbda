/**
 * The ways a file reaches the gateway. Every route streams the file from disk
 * (never holding it in memory) and resolves with the gateway's answer; a new
 * route is one more implementation of UploadRoute.
 */
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { MIB } from '../bench-support/args';

export interface UploadRequest {
  /** The gateway, e.g. http://127.0.0.1:PORT. */
  baseUrl: string;
  apiKey: string;
  /** Target table of the job. */
  table: string;
  file: string;
  bytes: number;
}

export interface UploadResult {
  status: number;
  body: string;
  /** From the first byte sent to the end of the answer. */
  seconds: number;
}

export interface UploadRoute {
  /** As progress lines and errors name it: "PUT /v1/jobs/raw". */
  name: string;
  /** The HTTP method, for the report's upload stage. */
  method: string;
  upload(request: UploadRequest): Promise<UploadResult>;
}

/** PUT /v1/jobs/raw: the file as the raw body with its Content-Length, no declared schema. */
export const RAW_PUT: UploadRoute = {
  name: 'PUT /v1/jobs/raw',
  method: 'PUT',
  upload: ({ baseUrl, apiKey, table, file, bytes }) =>
    new Promise((resolvePromise, reject) => {
      const t0 = performance.now();
      const req = request(`${baseUrl}/v1/jobs/raw?table=${table}`, {
        method: 'PUT',
        agent: false,
        headers: {
          'content-type': 'text/csv',
          'content-length': String(bytes),
          authorization: `Bearer ${apiKey}`,
        },
      });
      req.once('error', reject);
      req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.once('error', reject);
        res.once('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            body,
            seconds: (performance.now() - t0) / 1000,
          }),
        );
      });
      const source = createReadStream(file, { highWaterMark: MIB });
      source.once('error', (e) => req.destroy(e));
      source.pipe(req);
    }),
};
