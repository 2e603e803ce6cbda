import { ApiError, errorOf, type Api, type JobView } from './api';
import { readEventStream } from './event-stream';

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
export const isEnded = (view: JobView): boolean => TERMINAL.has(view.status);

/** Pause before following again after the stream broke (not after it ended). */
const RECONNECT_MS = 2000;

/**
 * Follows a job over `GET /v1/jobs/:id/events` and calls `onView` with every view until
 * the job ends or `signal` aborts; a broken stream is opened again.
 */
export async function followJob(
  api: Api,
  id: string,
  onView: (view: JobView) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await api.fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
        signal,
        headers: { Accept: 'text/event-stream' },
      });
      if (!res.ok || res.body === null) throw await errorOf(res);
      for await (const event of readEventStream(res.body)) {
        const view = JSON.parse(event.data) as JobView;
        onView(view);
        if (isEnded(view)) return;
      }
    } catch (e) {
      if (signal.aborted) return;
      // A job that is gone (404) or a key no longer valid will not come back.
      if (e instanceof ApiError && (e.status === 404 || e.status === 401)) return;
    }
    await new Promise((r) => setTimeout(r, RECONNECT_MS));
  }
}
