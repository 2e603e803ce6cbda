import type { Dialect } from '@ingest/contracts';
import { toColumnNames } from '@ingest/domain';
import { errors } from '@ingest/errors';
import { parse } from 'csv-parse/sync';

/** Parses the header record's bytes into safe, unique column names. */
export function columnsFromHeader(headerBytes: Buffer, dialect: Dialect): string[] {
  let records: unknown;
  try {
    records = parse(headerBytes, {
      delimiter: dialect.delimiter,
      quote: dialect.quote,
      bom: true,
      relax_column_count: true,
    });
  } catch (e) {
    throw errors.validation(`the header record is not valid CSV: ${(e as Error).message}`);
  }
  const header = Array.isArray(records) ? (records[0] as unknown) : undefined;
  if (!Array.isArray(header) || header.length === 0) throw errors.noHeader();
  return toColumnNames(header.map(String));
}
