import type { JobStatus, JobView } from '@ingest/contracts';
import { Readable } from 'node:stream';
import { apiErrorOf, ConnectionError } from './cli-errors';
import type { Connection } from './connection';

export interface JobPage {
  jobs: JobView[];
  next_cursor: string | null;
}

export interface RejectView {
  line: number;
  byte_offset: number;
  chunk: number;
  column: string | null;
  code: string;
  message: string;
  raw: string;
}

export interface RejectPage {
  rejects: RejectView[];
  next_cursor: string | null;
}

export interface DatasetView {
  name: string;
  schema: unknown;
  created_at: string;
}

export interface DatasetPage {
  datasets: DatasetView[];
  next_cursor: string | null;
}

/** What fetch's "fetch failed" hides: the system error (ECONNREFUSED, ENOTFOUND …). */
function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export function unreachable(url: string, error: unknown): ConnectionError {
  return new ConnectionError(
    `cannot reach ${url} (${causeCode(error)}): is the stack running (npm start)? ` +
      'Set --url or CSV_INGEST_URL to use another',
  );
}

/** The `/v1` routes the CLI uses; every error answer becomes an ApiError. */
export class ApiClient {
  constructor(readonly connection: Connection) {}

  get url(): string {
    return this.connection.url;
  }

  authHeaders(): Record<string, string> {
    const { key } = this.connection;
    return key === null ? {} : { Authorization: `Bearer ${key}` };
  }

  /** A request with the key; throws ApiError on a non-2xx answer, ConnectionError if unreachable. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        ...init,
        headers: { ...this.authHeaders(), ...(init.headers as Record<string, string>) },
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw unreachable(this.url, error);
    }
    if (!res.ok) throw apiErrorOf(res.status, await res.text());
    return res;
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  private sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
    return this.json<T>(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  getJob(id: string): Promise<JobView> {
    return this.json(`/v1/jobs/${encodeURIComponent(id)}`);
  }

  listJobs(query: { status?: JobStatus; limit?: number; cursor?: string }): Promise<JobPage> {
    return this.json(`/v1/jobs${queryString(query)}`);
  }

  cancelJob(id: string): Promise<JobView> {
    return this.json(`/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  }

  listRejects(id: string, query: { limit?: number; cursor?: string }): Promise<RejectPage> {
    return this.json(`/v1/jobs/${encodeURIComponent(id)}/rejects${queryString(query)}`);
  }

  /** The header record and every rejected record as the file's exact bytes. */
  async rejectsCsv(id: string): Promise<Readable> {
    const res = await this.request(`/v1/jobs/${encodeURIComponent(id)}/rejects?format=csv`);
    if (res.body === null) return Readable.from([]);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  listDatasets(query: { limit?: number; cursor?: string }): Promise<DatasetPage> {
    return this.json(`/v1/datasets${queryString(query)}`);
  }

  getDataset(name: string): Promise<DatasetView> {
    return this.json(`/v1/datasets/${encodeURIComponent(name)}`);
  }

  putDataset(name: string, schema: unknown): Promise<DatasetView> {
    return this.sendJson('PUT', `/v1/datasets/${encodeURIComponent(name)}`, { schema });
  }

  async deleteDataset(name: string): Promise<void> {
    await this.request(`/v1/datasets/${encodeURIComponent(name)}`, { method: 'DELETE' });
  }
}

export function queryString(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
