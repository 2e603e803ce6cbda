import type { Dialect } from '@ingest/contracts';
import { toColumnNames } from '@ingest/domain';
import { errors } from '@ingest/errors';
import { parse } from 'csv-parse/sync';

/** Parses the first record of `bytes` (the header) into safe, unique column names. */
export function columnsFromHeader(bytes: Buffer, dialect: Dialect): string[] {
  let records: unknown;
  try {
    records = parse(bytes, {
      delimiter: dialect.delimiter,
      quote: dialect.quote,
      escape: dialect.quote,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      // Only the first record matters; a sample may end mid-record.
      to: 1,
    });
  } catch (e) {
    throw errors.validation(`the header record is not valid CSV: ${(e as Error).message}`);
  }
  const header = Array.isArray(records) ? (records[0] as unknown) : undefined;
  if (!Array.isArray(header) || header.length === 0) throw errors.noHeader();
  return toColumnNames(header.map(String));
}
