import type { JobView } from '@ingest/contracts';
import { formatBytes, formatCount, formatDuration } from './format';

const secondsBetween = (from: string, to: string | undefined): number | null =>
  to === undefined ? null : (Date.parse(to) - Date.parse(from)) / 1000;

export const rowsLine = (job: JobView): string =>
  `rows: ${formatCount(job.rows.loaded)} loaded, ${formatCount(job.rows.rejected)} rejected`;

export const rejectReasons = (job: JobView): string =>
  (job.rejects_top ?? []).map((r) => `${r.code} ×${formatCount(r.count)}`).join(', ');

/** What `upload --wait` prints once the job ended: the outcome, the rows, where they are. */
export function describeOutcome(job: JobView): string[] {
  const took = formatDuration(secondsBetween(job.created_at, job.completed_at ?? job.updated_at));
  const lines = [`job ${job.id} ${job.status} in ${took}`];
  if (job.error !== undefined) lines.push(`error: ${job.error.code}: ${job.error.message}`);
  lines.push(rowsLine(job));
  if (job.rows.rejected > 0) {
    const reasons = rejectReasons(job);
    if (reasons !== '') lines.push(`top reject reasons: ${reasons}`);
  }
  if (job.rows.loaded > 0 || job.status === 'completed') {
    lines.push(`rows are in table "${job.table}"`);
  }
  if (job.rows.rejected > 0) {
    lines.push(`rejected rows: csv-ingest rejects ${job.id} --csv > ${job.id}-rejects.csv`);
  }
  return lines;
}

/** `status`: one field per line. */
export function describeJob(job: JobView): string[] {
  const chunks =
    job.chunks.total === null ? `${job.chunks.done}/?` : `${job.chunks.done}/${job.chunks.total}`;
  const lines = [
    `job       ${job.id}`,
    `status    ${job.status}`,
    `table     ${job.table}`,
    `file      ${job.file_name ?? '-'} (${formatBytes(job.bytes)})`,
    `load      ${job.load.mode}${job.load.key === null ? '' : ` by ${job.load.key.join(', ')}`}${job.load.atomic ? ', atomic' : ''}`,
    `chunks    ${chunks}`,
    `rows      ${formatCount(job.rows.loaded)} loaded, ${formatCount(job.rows.rejected)} rejected`,
  ];
  const reasons = rejectReasons(job);
  if (reasons !== '') lines.push(`rejects   ${reasons}`);
  if (job.progress.eta_seconds !== null)
    lines.push(`eta       ${formatDuration(job.progress.eta_seconds)}`);
  if (job.error !== undefined) lines.push(`error     ${job.error.code}: ${job.error.message}`);
  lines.push(`created   ${job.created_at}`);
  if (job.completed_at !== undefined) lines.push(`ended     ${job.completed_at}`);
  return lines;
}
