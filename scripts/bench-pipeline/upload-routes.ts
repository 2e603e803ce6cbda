/**
 * The ways a file reaches the gateway. Every route streams the file from disk
 * (never holding it in memory) and resolves with the gateway's answer; a new
 * route is one more implementation of UploadRoute.
 */
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { basename } from 'node:path';
import { MIB } from '../bench-support/args';

export interface UploadRequest {
  /** The gateway, e.g. http://127.0.0.1:PORT. */
  baseUrl: string;
  apiKey: string;
  /** Target table of the job. */
  table: string;
  file: string;
  bytes: number;
  /** A stored dataset to load with (a declared schema), or null to let the splitter infer. */
  dataset: string | null;
}

export interface UploadResult {
  status: number;
  body: string;
  /** From the first byte sent to the end of the answer. */
  seconds: number;
  /** The job the upload made, when the gateway accepted it. */
  jobId: string | null;
}

export interface UploadRoute {
  /** As progress lines and errors name it: "PUT /v1/jobs/raw". */
  name: string;
  /** The HTTP method, for the report's upload stage. */
  method: string;
  upload(request: UploadRequest): Promise<UploadResult>;
}

const query = ({ table, dataset }: UploadRequest): string =>
  `table=${encodeURIComponent(table)}${dataset ? `&dataset=${encodeURIComponent(dataset)}` : ''}`;

/**
 * Sends `before`, the file, then `after` as one body of known length and resolves
 * with the answer.
 */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  file: string,
  bytes: number,
  before = '',
  after = '',
): Promise<UploadResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const length = Buffer.byteLength(before) + bytes + Buffer.byteLength(after);
    const req = request(url, {
      method,
      agent: false,
      headers: { ...headers, 'content-length': String(length) },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.once('error', reject);
      res.once('end', () => {
        const status = res.statusCode ?? 0;
        resolvePromise({
          status,
          body,
          seconds: (performance.now() - t0) / 1000,
          jobId: status === 202 ? (JSON.parse(body) as { id: string }).id : null,
        });
      });
    });
    if (before !== '') req.write(before);
    const source = createReadStream(file, { highWaterMark: MIB });
    source.once('error', (e) => req.destroy(e));
    source.pipe(req, { end: false });
    source.once('end', () => req.end(after));
  });
}

/** PUT /v1/jobs/raw: the file as the raw body with its Content-Length (`curl -T`). */
export const RAW_PUT: UploadRoute = {
  name: 'PUT /v1/jobs/raw',
  method: 'PUT',
  upload: (r) =>
    send(
      `${r.baseUrl}/v1/jobs/raw?${query(r)}`,
      'PUT',
      { 'content-type': 'text/csv', authorization: `Bearer ${r.apiKey}` },
      r.file,
      r.bytes,
    ),
};

/** POST /v1/jobs as a multipart form with one file part, as `curl -F file=@…` sends it. */
export const MULTIPART_POST: UploadRoute = {
  name: 'POST /v1/jobs (multipart)',
  method: 'POST',
  upload: (r) => {
    const boundary = `------------------------bench${Date.now().toString(16)}`;
    const before =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(r.file)}"\r\n` +
      'Content-Type: text/csv\r\n\r\n';
    return send(
      `${r.baseUrl}/v1/jobs?${query(r)}`,
      'POST',
      {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        authorization: `Bearer ${r.apiKey}`,
      },
      r.file,
      r.bytes,
      before,
      `\r\n--${boundary}--\r\n`,
    );
  },
};

const base64 = (text: string) => Buffer.from(text).toString('base64');

/**
 * tus 1.0 (`/v1/uploads`): the creation with the job's options as Upload-Metadata, then the
 * whole file in one PATCH, as a tus client without a chunk size sends it. Accepted (202 here)
 * when the PATCH is answered 204; the job is the creation's `Ingest-Job-Id`.
 */
export const TUS: UploadRoute = {
  name: 'tus PATCH /v1/uploads',
  method: 'PATCH',
  upload: async (r) => {
    const t0 = performance.now();
    const metadata = [
      `filename ${base64(basename(r.file))}`,
      `table ${base64(r.table)}`,
      ...(r.dataset ? [`dataset ${base64(r.dataset)}`] : []),
    ].join(',');
    const tus = { authorization: `Bearer ${r.apiKey}`, 'tus-resumable': '1.0.0' };
    const created = await fetch(`${r.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...tus, 'upload-length': String(r.bytes), 'upload-metadata': metadata },
    });
    const jobId = created.headers.get('ingest-job-id');
    const location = created.headers.get('location');
    if (created.status !== 201 || !jobId || !location) {
      return { status: created.status, body: await created.text(), seconds: 0, jobId: null };
    }
    const patch = await send(
      new URL(location, r.baseUrl).toString(),
      'PATCH',
      { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      r.file,
      r.bytes,
    );
    const accepted = patch.status === 204;
    return {
      status: accepted ? 202 : patch.status,
      body: patch.body,
      seconds: (performance.now() - t0) / 1000,
      jobId: accepted ? jobId : null,
    };
  },
};

export const UPLOAD_ROUTES: Record<string, UploadRoute> = {
  put: RAW_PUT,
  multipart: MULTIPART_POST,
  tus: TUS,
};
