import {
  afterFirstLineBreak,
  csvSyntaxOf,
  readSampleRecords,
  type CsvSyntax,
  type SampleRecord,
} from '@ingest/csv';
import type { Dialect } from '@ingest/contracts';
import { inferSchema, parseTableSchema, type TableSchema } from '@ingest/normalize';
import type { JobRecord, SchemaSource } from '@ingest/jobs';
import type { ObjectSamples } from './object-samples';

/** At most this many sample records feed inference. */
const MAX_SAMPLE_ROWS = 5000;

/**
 * Records from the head, middle and tail samples. A sample that does not end
 * the file loses its last (partial) record; the middle and tail samples lose
 * their first (partial) record too (cutSampleRecords). The head's header record
 * is dropped, and so is any record whose width differs from the header's (the
 * loader judges such rows, not this).
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
    const cutEnd = !(wholeFile || (samples.endsFile && i === samples.all.length - 1));
    let records =
      i === 0
        ? readSampleRecords(sample, syntax, { cutStart: false, cutEnd })
        : cutSampleRecords(sample, syntax, cutEnd, width);
    if (i === 0 && dialect.header) records = records.slice(1);
    for (const r of records) if (r.fields.length === width) rows.push(r.fields);
  });
  return rows.slice(0, MAX_SAMPLE_ROWS);
}

/**
 * The records of a sample cut from inside the file, which may begin inside a quoted
 * field that holds line breaks. Read both ways from its first line break — as if outside
 * quotes there, and as if a quote were open — the inside reading is taken when it has
 * fewer records of the wrong width (and some of the right one). Read out of step, a file
 * whose records mostly hold quoted line breaks gives records of the right width by chance
 * often enough to turn an integer column into text.
 */
function cutSampleRecords(
  sample: Buffer,
  syntax: CsvSyntax,
  cutEnd: boolean,
  width: number,
): SampleRecord[] {
  const outside = readSampleRecords(sample, syntax, { cutStart: true, cutEnd });
  const from = afterFirstLineBreak(sample);
  if (from < 0 || !sample.includes(syntax.quote)) return outside;
  // That line break may itself be inside a quoted field: then a quote is open after it, and
  // the first record read is the rest of that field's record (dropped).
  const openQuote = Buffer.from([syntax.quote]);
  const inside = readSampleRecords(Buffer.concat([openQuote, sample.subarray(from)]), syntax, {
    cutStart: false,
    cutEnd,
  }).slice(1);
  const fits = (records: SampleRecord[]) => records.filter((r) => r.fields.length === width).length;
  const misfits = (records: SampleRecord[]) => records.length - fits(records);
  if (fits(inside) > 0 && misfits(inside) < misfits(outside)) return inside;
  // Otherwise the outside reading, less its first record: that one may be a quoted field's
  // tail that happens to read as a record of the right width.
  return outside.slice(1);
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
