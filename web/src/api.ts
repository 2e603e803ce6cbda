import type { JobView } from '@ingest/contracts';

export type { JobView };

export interface JobsPage {
  jobs: JobView[];
  next_cursor: string | null;
}

export interface RejectRow {
  line: number;
  byte_offset: number;
  chunk: number;
  column: string | null;
  code: string;
  message: string;
  raw: string;
}

export interface RejectsPage {
  rejects: RejectRow[];
  next_cursor: string | null;
}

export interface DatasetView {
  name: string;
}

/** An error answer of the API: `{ error: { code, message } }` and its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns a failed response into an ApiError, whatever its body. */
export async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(
      res.status,
      body.error?.code ?? 'HTTP_ERROR',
      body.error?.message ?? `HTTP ${res.status}`,
    );
  } catch {
    return new ApiError(res.status, 'HTTP_ERROR', `HTTP ${res.status} ${res.statusText}`);
  }
}

/** The gateway's /v1 API with one tenant's key (same origin as the page). */
export class Api {
  constructor(readonly key: string) {}

  get authorization(): string {
    return `Bearer ${this.key}`;
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', this.authorization);
    return fetch(path, { ...init, headers });
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await this.fetch(path, init);
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  listJobs(limit = 50, cursor?: string): Promise<JobsPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor !== undefined) q.set('cursor', cursor);
    return this.json(`/v1/jobs?${q.toString()}`);
  }

  getJob(id: string): Promise<JobView> {
    return this.json(`/v1/jobs/${encodeURIComponent(id)}`);
  }

  cancelJob(id: string): Promise<JobView> {
    return this.json(`/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  }

  listRejects(id: string, limit: number, cursor?: string): Promise<RejectsPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor !== undefined) q.set('cursor', cursor);
    return this.json(`/v1/jobs/${encodeURIComponent(id)}/rejects?${q.toString()}`);
  }

  /** The rejected records as the file's own bytes (header first), as a Blob to save. */
  async rejectsCsv(id: string): Promise<Blob> {
    const res = await this.fetch(`/v1/jobs/${encodeURIComponent(id)}/rejects?format=csv`);
    if (!res.ok) throw await errorOf(res);
    return res.blob();
  }

  async listDatasets(): Promise<DatasetView[]> {
    const page = await this.json<{ datasets: DatasetView[] }>('/v1/datasets?limit=100');
    return page.datasets;
  }
}
