/**
 * The ways a file reaches the gateway. Every route streams the file from disk
 * (never holding it in memory) and resolves with the gateway's answer; a new
 * route is one more implementation of UploadRoute.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';

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
  /** Hears of each process that sends the file (its CPU is sampled). */
  track?: (pid: number) => void;
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
 * Sends the file with curl, as users do: `-T` as the raw body (with its Content-Length), or
 * `form` — `-F file=@…` as a multipart form's one file part. Resolves with the answer. (A Node
 * client streaming the file cost 2–3× curl's CPU, taken from the two cores the system has.)
 */
function curl(
  request: UploadRequest,
  url: string,
  method: string,
  headers: Record<string, string>,
  form = false,
): Promise<UploadResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const args = ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', method];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
    if (form) args.push('-F', `file=@${request.file};type=text/csv`);
    else args.push('-T', request.file);
    args.push(url);
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) request.track?.(child.pid);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const cut = out.lastIndexOf('\n');
      const status = Number(out.slice(cut + 1));
      const body = out.slice(0, Math.max(0, cut));
      if (code !== 0 || !Number.isInteger(status) || status === 0) {
        reject(new Error(`curl ${method} ${url} failed (exit ${code}): ${err.trim()}`));
        return;
      }
      resolvePromise({
        status,
        body,
        seconds: (performance.now() - t0) / 1000,
        jobId: status === 202 ? (JSON.parse(body) as { id: string }).id : null,
      });
    });
  });
}

/** PUT /v1/jobs/raw: the file as the raw body with its Content-Length (`curl -T`). */
export const RAW_PUT: UploadRoute = {
  name: 'PUT /v1/jobs/raw',
  method: 'PUT',
  upload: (r) =>
    curl(r, `${r.baseUrl}/v1/jobs/raw?${query(r)}`, 'PUT', {
      'content-type': 'text/csv',
      authorization: `Bearer ${r.apiKey}`,
    }),
};

/** POST /v1/jobs as a multipart form with one file part, as `curl -F file=@…` sends it. */
export const MULTIPART_POST: UploadRoute = {
  name: 'POST /v1/jobs (multipart)',
  method: 'POST',
  upload: (r) =>
    curl(
      r,
      `${r.baseUrl}/v1/jobs?${query(r)}`,
      'POST',
      { authorization: `Bearer ${r.apiKey}` },
      true,
    ),
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
    const patch = await curl(r, new URL(location, r.baseUrl).toString(), 'PATCH', {
      ...tus,
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    });
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
