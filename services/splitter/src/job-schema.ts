import type { Dialect } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import { inferSchema, parseTableSchema, type TableSchema } from '@ingest/normalize';
import type { JobRecord, SchemaSource } from '@ingest/jobs';
import { parse } from 'csv-parse/sync';
import type { ObjectSamples } from './object-samples';

/** At most this many sample records feed inference. */
const MAX_SAMPLE_ROWS = 5000;

const parseOptions = (dialect: Dialect) => ({
  delimiter: dialect.delimiter,
  quote: dialect.quote,
  escape: dialect.quote,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
  record_delimiter: ['\r\n', '\n', '\r'],
});

/** The header record's cells as written (trimmed by nothing): what a schema's `source` matches. */
export function headerCells(bytes: Buffer, dialect: Dialect): string[] {
  let records: unknown;
  try {
    records = parse(bytes, { ...parseOptions(dialect), bom: true, to: 1 });
  } catch (e) {
    throw errors.validation(`the header record is not valid CSV: ${(e as Error).message}`);
  }
  const header = Array.isArray(records) ? (records[0] as unknown) : undefined;
  if (!Array.isArray(header) || header.length === 0) throw errors.noHeader();
  return header.map(String);
}

/**
 * Records from the head, middle and tail samples. A sample that does not end
 * the file loses its last (partial) line; the middle and tail samples lose
 * their first (partial) line too. The head's header record is dropped, and so
 * is any record whose width differs from the header's (a sample cut inside a
 * quoted line break parses out of step; the loader judges such rows, not this).
 */
export function sampleRecords(
  samples: ObjectSamples,
  fileBytes: number,
  dialect: Dialect,
  width: number,
): string[][] {
  const rows: string[][] = [];
  samples.all.forEach((sample, i) => {
    let text = sample.toString('utf8');
    if (i > 0) {
      const first = text.search(/\r\n|\n|\r/);
      text = first < 0 ? '' : text.slice(first + 1).replace(/^\n/, '');
    }
    const wholeFile = i === 0 && sample.length >= fileBytes;
    const endsFile = wholeFile || i === samples.all.length - 1;
    if (!endsFile) {
      const last = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
      text = last < 0 ? '' : text.slice(0, last);
    }
    let records: string[][];
    try {
      const parsed: unknown = parse(text, { ...parseOptions(dialect), bom: i === 0 });
      records = parsed as string[][];
    } catch {
      return; // an unclosed quote in a sample: nothing to learn from it
    }
    if (i === 0 && dialect.header) records = records.slice(1);
    for (const r of records) if (r.length === width) rows.push(r);
  });
  return rows.slice(0, MAX_SAMPLE_ROWS);
}

/**
 * The schema a job loads with: its own (declared or from a dataset, validated
 * again), or one inferred from the samples.
 */
export function resolveSchema(
  job: JobRecord,
  header: readonly string[],
  sampleRows: () => string[][],
): { schema: TableSchema; source: SchemaSource } {
  if (job.schema !== null && job.schema !== undefined && job.schema_source !== 'inferred') {
    return { schema: parseTableSchema(job.schema), source: job.schema_source ?? 'declared' };
  }
  return { schema: inferSchema(header, sampleRows()).schema, source: 'inferred' };
}
