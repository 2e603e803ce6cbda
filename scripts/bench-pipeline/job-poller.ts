/** Follows one job through GET /v1/jobs/:id until it ends, failing it when it stops moving. */

const POLL_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fields of the gateway's job view the benchmark reads. */
export interface JobView {
  id: string;
  status: string;
  /** Where the rows go: `<schema>.<table>`. */
  table: string;
  bytes: number;
  chunks: { total: number | null; done: number };
  records: number | null;
  rows: { loaded: number; rejected: number };
  error?: { code: string; message: string };
  created_at: string;
  updated_at: string;
  completed_at?: string;
}

export interface PollResult {
  view: JobView;
  /** performance.now() when each status was first seen. */
  seen: Record<string, number>;
  /** When chunks.total was first seen set (planning finished). */
  planDoneAt: number | undefined;
}

export interface PollOptions {
  baseUrl: string;
  apiKey: string;
  id: string;
  /** Date.now() after which the run gives up on the job. */
  deadline: number;
  /** Throws when the run must stop (a service died). */
  check: () => void;
  /** Called every 10 s with the job as last seen. */
  progress: (view: JobView) => void;
  /** How long the job may show no progress at all before the run fails, ms (asked each poll). */
  stallMs: () => number;
}

export async function pollJob(options: PollOptions): Promise<PollResult> {
  const { baseUrl, apiKey, id, deadline, check, progress, stallMs } = options;
  const seen: Record<string, number> = {};
  let planDoneAt: number | undefined;
  let last: JobView | undefined;
  let lastProgress = performance.now();
  let lastError = '';
  let fingerprint = '';
  let changedAt = performance.now();
  while (Date.now() < deadline) {
    check();
    const stall = stallMs();
    if (performance.now() - changedAt > stall) {
      throw new Error(
        `job ${id} made no progress for ${(stall / 1000).toFixed(0)} s; last seen ${JSON.stringify(last)} ${lastError}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/v1/jobs/${id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      if (res.ok) {
        const view = (await res.json()) as JobView;
        const t = performance.now();
        last = view;
        const print = `${view.status}|${view.chunks.total}|${view.chunks.done}|${view.rows.loaded}|${view.rows.rejected}`;
        if (print !== fingerprint) {
          fingerprint = print;
          changedAt = t;
        }
        seen[view.status] ??= t;
        if (planDoneAt === undefined && view.chunks.total !== null) planDoneAt = t;
        if (['completed', 'failed', 'cancelled'].includes(view.status)) {
          return { view, seen, planDoneAt };
        }
        if (t - lastProgress >= 10_000) {
          lastProgress = t;
          progress(view);
        }
      } else {
        lastError = `GET /v1/jobs/${id} → ${res.status} ${await res.text()}`;
      }
    } catch (e) {
      lastError = `GET /v1/jobs/${id}: ${(e as Error).message}`;
    }
    await sleep(POLL_MS);
  }
  throw new Error(
    `job ${id} did not end before the timeout; last seen ${JSON.stringify(last)} ${lastError}`,
  );
}
