import type { JobView } from '@ingest/contracts';

/** The file to upload, checked to exist and be readable before anything is sent. */
export interface UploadSource {
  path: string;
  /** The name the server records (`file_name`): the path's base name. */
  name: string;
  size: number;
  /** Modification time (ms): part of what identifies "the same file" for a resume. */
  mtimeMs: number;
}

/**
 * A job's options as the API names them (`table`, `mode`, `chunk_size` …): query parameters
 * of `PUT /v1/jobs/raw`, Upload-Metadata keys of a tus upload.
 */
export type JobParams = Record<string, string>;

export interface UploadRequest {
  source: UploadSource;
  params: JobParams;
  /** A table schema sent with the file (`--schema file.json`), already parsed as JSON. */
  schema: unknown;
  /**
   * `--idempotency-key` (direct transport; without it one per run covers its retries). A tus
   * upload needs none: it resumes the one upload instead of sending the file again.
   */
  idempotencyKey: string | null;
}

export interface UploadEvents {
  progress(bytesSent: number, bytesTotal: number): void;
  /** The job exists (tus: at creation, before the bytes; direct: once they are stored). */
  jobCreated(jobId: string): void;
  /** A passing failure the transport retries (a cut connection, a 503). */
  retrying(reason: string, attempt: number): void;
}

export interface UploadResult {
  jobId: string;
  /** The job view the server answered with, when it sent one. */
  job: JobView | null;
  /** True when this run continued an upload an earlier run began. */
  resumed: boolean;
}

/** How the bytes reach the gateway: resumable tus, or one streamed request. */
export interface UploadTransport {
  readonly name: 'tus' | 'direct';
  upload(request: UploadRequest, events: UploadEvents): Promise<UploadResult>;
}
