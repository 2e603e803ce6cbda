import type { JobView } from './api';

/** A job's overall progress as a fraction 0–1, or null while unknown (before planning). */
export function overallProgress(view: JobView): number | null {
  if (view.status === 'completed') return 1;
  const scanned = view.bytes_scanned;
  if (scanned !== null && scanned > 0) return Math.min(1, view.progress.bytes_done / scanned);
  const total = view.chunks.total;
  if (total !== null && total > 0) return view.chunks.done / total;
  return null;
}
