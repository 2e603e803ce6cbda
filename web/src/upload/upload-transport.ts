import type { Api } from '../api';

/** What the form asks of a job, beside the file. */
export interface UploadOptions {
  table: string;
  mode: 'append' | 'upsert' | 'replace';
  /** Key columns, comma-separated (upsert). */
  key: string;
  dataset: string;
}

export interface UploadEvents {
  onProgress(sentBytes: number, totalBytes: number): void;
  /** The job's id, as soon as the server names it. */
  onJobId(id: string): void;
}

export interface RunningUpload {
  /** Resolves with the job's id once the file is stored (null if the server named none). */
  done: Promise<string | null>;
  abort(): void;
}

/** One way of sending a file to the gateway. */
export interface UploadTransport {
  readonly name: 'tus' | 'raw';
  start(api: Api, file: File, options: UploadOptions, events: UploadEvents): RunningUpload;
}

/** The options as API query parameters / tus metadata (empty fields left out). */
export function optionEntries(options: UploadOptions): [string, string][] {
  const entries: [string, string][] = [];
  if (options.table.trim() !== '') entries.push(['table', options.table.trim()]);
  if (options.mode !== 'append') entries.push(['mode', options.mode]);
  if (options.key.trim() !== '') entries.push(['key', options.key.trim()]);
  if (options.dataset !== '') entries.push(['dataset', options.dataset]);
  return entries;
}
