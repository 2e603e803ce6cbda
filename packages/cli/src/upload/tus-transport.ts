import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as tus from 'tus-js-client';
import { apiErrorOf } from '../cli-errors';
import type { Connection } from '../connection';
import type {
  UploadEvents,
  UploadRequest,
  UploadResult,
  UploadTransport,
} from './upload-transport';

/** The header the gateway's tus endpoint names the job with (creation answer). */
export const JOB_ID_HEADER = 'Ingest-Job-Id';

/** Waits between attempts after a cut: tus resumes from the offset the server confirms. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000, 30000];

/** A stored upload, with the job it created (a resumed upload's HEAD need not name it). */
type StoredUpload = tus.PreviousUpload & { jobId?: string };

/**
 * tus-js-client's file storage of upload URLs by fingerprint, which also keeps the job id
 * the creation answer carried, so a resumed run can report and follow the same job.
 */
class JobUrlStorage implements tus.UrlStorage {
  private readonly files: tus.UrlStorage;
  jobId: string | null = null;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    // proper-lockfile (inside FileUrlStorage) locks the file itself: it has to exist.
    if (!existsSync(path)) writeFileSync(path, '{}', { mode: 0o600 });
    this.files = new tus.FileUrlStorage(path);
  }

  findAllUploads(): Promise<tus.PreviousUpload[]> {
    return this.files.findAllUploads();
  }

  findUploadsByFingerprint(fingerprint: string): Promise<tus.PreviousUpload[]> {
    return this.files.findUploadsByFingerprint(fingerprint);
  }

  removeUpload(urlStorageKey: string): Promise<void> {
    return this.files.removeUpload(urlStorageKey);
  }

  addUpload(fingerprint: string, upload: tus.PreviousUpload): Promise<string> {
    const stored: StoredUpload = {
      ...upload,
      ...(this.jobId === null ? {} : { jobId: this.jobId }),
    };
    return this.files.addUpload(fingerprint, stored);
  }
}

/** 4xx answers other than conflicts and rate limits will not change on a retry. */
function shouldRetry(error: tus.DetailedError): boolean {
  const status = error.originalResponse?.getStatus() ?? 0;
  if (status === 0) return true;
  return !(status >= 400 && status < 500) || status === 409 || status === 423 || status === 429;
}

function errorOf(error: Error | tus.DetailedError): Error {
  const response = (error as tus.DetailedError).originalResponse;
  if (response) return apiErrorOf(response.getStatus(), response.getBody() ?? '');
  const cause = (error as tus.DetailedError).causingError;
  return cause ?? error;
}

/**
 * Resumable upload over tus 1.0 (`/v1/uploads`). The job's options travel as Upload-Metadata.
 * A cut connection is resumed within the run; an interrupted run is resumed by the next run
 * of the same command: the upload URL is stored under a fingerprint of the file (path, size,
 * modification time), the endpoint and the job's options, and removed once the upload ends.
 */
export class TusTransport implements UploadTransport {
  readonly name = 'tus' as const;

  constructor(
    private readonly connection: Connection,
    private readonly storagePath: string,
  ) {}

  async upload(request: UploadRequest, events: UploadEvents): Promise<UploadResult> {
    const { source, params, schema } = request;
    const storage = new JobUrlStorage(this.storagePath);
    const metadata: Record<string, string> = { filename: source.name, ...params };
    if (schema !== null && schema !== undefined) metadata.schema = JSON.stringify(schema);
    const optionsDigest = createHash('sha256').update(JSON.stringify(metadata)).digest('hex');
    const file = createReadStream(source.path);
    const headers: Record<string, string> = {};
    if (this.connection.key !== null) headers.Authorization = `Bearer ${this.connection.key}`;

    return new Promise<UploadResult>((resolvePromise, reject) => {
      let resumed = false;
      let attempts = 0;
      const upload = new tus.Upload(file, {
        endpoint: `${this.connection.url}/v1/uploads`,
        headers,
        metadata,
        uploadSize: source.size,
        retryDelays: RETRY_DELAYS_MS,
        urlStorage: storage,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        fingerprint: () =>
          Promise.resolve(
            [
              'csv-ingest',
              resolve(source.path),
              source.size,
              Math.round(source.mtimeMs),
              this.connection.url,
              optionsDigest,
            ].join('-'),
          ),
        onAfterResponse: (req, res) => {
          const jobId = res.getHeader(JOB_ID_HEADER);
          // A creation names a new job, even when a stale stored upload named another.
          const created = req.getMethod() === 'POST';
          if (jobId && jobId !== storage.jobId && (created || storage.jobId === null)) {
            storage.jobId = jobId;
            events.jobCreated(jobId);
          }
        },
        onShouldRetry: (error) => {
          const retry = shouldRetry(error);
          if (retry) events.retrying(errorOf(error).message, ++attempts);
          return retry;
        },
        onProgress: (sent, total) => events.progress(sent, total),
        onError: (error) => reject(errorOf(error)),
        onSuccess: () => {
          if (storage.jobId === null) {
            reject(new Error(`the upload ended without the job's id (no ${JOB_ID_HEADER} header)`));
            return;
          }
          resolvePromise({ jobId: storage.jobId, job: null, resumed });
        },
      });
      upload
        .findPreviousUploads()
        .then((previous) => {
          const last: StoredUpload | undefined = previous[previous.length - 1];
          if (last !== undefined) {
            resumed = true;
            if (last.jobId !== undefined) {
              storage.jobId = last.jobId;
              events.jobCreated(last.jobId);
            }
            upload.resumeFromPreviousUpload(last);
          }
          upload.start();
        })
        .catch((error: unknown) => reject(error as Error));
    });
  }
}
