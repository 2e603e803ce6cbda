import { csvSyntaxOf, readSampleRecords } from '@ingest/csv';
import type { Dialect } from '@ingest/contracts';
import { inferSchema, parseTableSchema, type TableSchema } from '@ingest/normalize';
import type { JobRecord, SchemaSource } from '@ingest/jobs';
import type { ObjectSamples } from './object-samples';

/** At most this many sample records feed inference. */
const MAX_SAMPLE_ROWS = 5000;

/**
 * Records from the head, middle and tail samples. A sample that does not end
 * the file loses its last (partial) record; the middle and tail samples lose
 * their first (partial) line too. The head's header record is dropped, and so
 * is any record whose width differs from the header's (a sample cut inside a
 * quoted line break reads out of step; the loader judges such rows, not this).
 */
export function sampleRecords(
  samples: ObjectSamples,
  fileBytes: number,
  dialect: Dialect,
  width: number,
): string[][] {
  const syntax = csvSyntaxOf(dialect);
  const rows: string[][] = [];
  samples.all.forEach((sample, i) => {
    const wholeFile = i === 0 && sample.length >= fileBytes;
    const endsFile = wholeFile || (samples.endsFile && i === samples.all.length - 1);
    let records = readSampleRecords(sample, syntax, { cutStart: i > 0, cutEnd: !endsFile });
    if (i === 0 && dialect.header) records = records.slice(1);
    for (const r of records) if (r.fields.length === width) rows.push(r.fields);
  });
  return rows.slice(0, MAX_SAMPLE_ROWS);
}

/**
 * The schema a job loads with: its own (declared or from a dataset, validated
 * again), the one inferred when the plan was first recorded, or one inferred
 * from the samples.
 */
export function resolveSchema(
  job: JobRecord,
  header: readonly string[],
  sampleRows: () => string[][],
): { schema: TableSchema; source: SchemaSource } {
  if (job.schema !== null && job.schema !== undefined && job.schema_source !== 'inferred') {
    return { schema: parseTableSchema(job.schema), source: job.schema_source ?? 'declared' };
  }
  if (job.schema !== null && job.schema !== undefined && job.load_plan !== null) {
    // Inferred before and recorded with the plan (chunks may be loaded with it): kept.
    return { schema: parseTableSchema(job.schema), source: 'inferred' };
  }
  return { schema: inferSchema(header, sampleRows()).schema, source: 'inferred' };
}
