import { isTerminal, type JobView } from '@ingest/contracts';
import { createParser } from 'eventsource-parser';
import type { ApiClient } from './api-client';
import { ApiError, ConnectionError } from './cli-errors';

export interface FollowOptions {
  onUpdate(job: JobView): void;
  /** Told when the stream dropped and is being opened again. */
  onReconnect?(reason: string, attempt: number): void;
  /** Attempts in a row that may fail before giving up. Default 10. */
  maxReconnects?: number;
  reconnectDelayMs?: number;
}

/** Reads one event stream to its end; resolves with the terminal view if it sent one. */
async function readStream(
  client: ApiClient,
  jobId: string,
  onUpdate: (job: JobView) => void,
): Promise<JobView | null> {
  const res = await client.request(`/v1/jobs/${encodeURIComponent(jobId)}/events`, {
    headers: { Accept: 'text/event-stream' },
  });
  let last: JobView | null = null;
  const parser = createParser({
    onEvent: (event) => {
      const job = JSON.parse(event.data) as JobView;
      onUpdate(job);
      if (isTerminal(job.status)) last = job;
    },
  });
  if (res.body === null) return null;
  const decoder = new TextDecoder();
  for await (const part of res.body as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(part, { stream: true }));
    if (last !== null) break;
  }
  return last;
}

/**
 * Follows a job over server-sent events (`GET /v1/jobs/:id/events`) until it ends,
 * opening the stream again when it drops (a restarted gateway, a load balancer's timeout).
 */
export async function followJob(
  client: ApiClient,
  jobId: string,
  options: FollowOptions,
): Promise<JobView> {
  const maxReconnects = options.maxReconnects ?? 10;
  let failures = 0;
  for (;;) {
    let reason: string;
    try {
      const ended = await readStream(client, jobId, (job) => {
        failures = 0;
        options.onUpdate(job);
      });
      if (ended !== null) return ended;
      reason = 'the event stream ended before the job did';
    } catch (error) {
      // A refusal (bad key, unknown job) will not change by asking again.
      if (error instanceof ApiError && error.status < 500) throw error;
      if (!(
        error instanceof ApiError ||
        error instanceof ConnectionError ||
        error instanceof TypeError
      )) {
        throw error;
      }
      reason = error.message;
    }
    if (++failures > maxReconnects) {
      throw new ConnectionError(`lost the job's event stream: ${reason}`);
    }
    options.onReconnect?.(reason, failures);
    await new Promise((r) =>
      setTimeout(r, options.reconnectDelayMs ?? 1000 * Math.min(failures, 5)),
    );
  }
}
