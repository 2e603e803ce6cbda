import type { JobView } from '@ingest/contracts';

/**
 * Seconds until a loading job should complete, from the byte rate observed
 * since loading began. Null when there is nothing to measure yet, when the
 * total is unknown (a compressed or transcoded source before planning ends),
 * or when the job is not loading.
 */
export function estimateSecondsLeft(view: JobView, now: Date): number | null {
  if (view.status !== 'loading' && view.status !== 'planned') return null;
  const started = view.timings.loading_started_at;
  if (!started) return null;
  const rewritten =
    (view.dialect?.compression ?? 'none') !== 'none' ||
    (view.dialect?.encoding ?? 'utf-8') !== 'utf-8';
  const total = view.bytes_scanned ?? (rewritten ? null : view.bytes);
  const done = view.progress.bytes_done;
  const elapsedMs = now.getTime() - Date.parse(started);
  if (total === null || done <= 0 || elapsedMs <= 0) return null;
  const left = Math.max(0, total - done);
  return Math.ceil(left / (done / elapsedMs) / 1000);
}
