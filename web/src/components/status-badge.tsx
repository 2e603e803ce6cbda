import type { JobView } from '../api';

export function StatusBadge({ status }: { status: JobView['status'] }) {
  return <span class={`status status-${status}`}>{status}</span>;
}
