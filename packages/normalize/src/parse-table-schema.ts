import { AppError } from '@ingest/errors';
import type { z } from 'zod';
import { ColumnSpecError, compileColumn } from './compile-column';
import { identifierProblem } from './identifiers';
import { isSupportedLocale } from './number-syntax';
import { DEFAULT_NULL_TOKENS, type TableSchema, tableSchemaSchema } from './table-schema';
import { isValidTimeZone, zoneOffsets } from './time-zone';

const MAX_REPORTED = 10;

/** `["columns", 2, "type"]` → `columns[2].type`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? 'schema' : out;
}

const invalid = (problems: string[]) =>
  new AppError(
    'SCHEMA_INVALID',
    problems.length > MAX_REPORTED
      ? `${problems.slice(0, MAX_REPORTED).join('; ')}; and ${problems.length - MAX_REPORTED} more`
      : problems.join('; '),
    400,
  );

const issueText = (issue: z.core.$ZodIssue): string =>
  `${formatPath(issue.path)}: ${issue.message}`;

/** Rules zod's shape cannot express: names, references, formats, patterns, defaults. */
export function schemaProblems(schema: TableSchema): string[] {
  const problems: string[] = [];
  if (schema.table !== undefined) {
    const p = identifierProblem(schema.table);
    if (p !== null) problems.push(`table: ${p}`);
  }
  if (schema.timezone !== undefined && !isValidTimeZone(schema.timezone)) {
    problems.push(
      `timezone: ${JSON.stringify(schema.timezone)} is not an IANA time zone (e.g. "Europe/Berlin", "UTC")`,
    );
  }
  if (schema.locale !== undefined && !isSupportedLocale(schema.locale)) {
    problems.push(
      `locale: ${JSON.stringify(schema.locale)} is not a locale this runtime knows (e.g. "en", "de", "fr-CH")`,
    );
  }

  const seen = new Map<string, number>();
  schema.columns.forEach((c, i) => {
    const p = identifierProblem(c.name);
    if (p !== null) problems.push(`columns[${i}].name: ${p}`);
    // Case-insensitive: names also serve as default header sources, which ignore case.
    const lower = c.name.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined)
      problems.push(`columns[${i}].name: ${JSON.stringify(c.name)} repeats columns[${first}].name`);
    else seen.set(lower, i);
    if (c.required === true && c.nullable === true) {
      problems.push(`columns[${i}].nullable: a required column cannot be nullable`);
    }
  });

  const keys = new Set<string>();
  schema.key?.forEach((k, i) => {
    const column = schema.columns.find((c) => c.name === k);
    if (column === undefined) problems.push(`key[${i}]: ${JSON.stringify(k)} is not a column`);
    else if (column.nullable === true)
      problems.push(`key[${i}]: key column ${JSON.stringify(k)} cannot be nullable`);
    if (keys.has(k)) problems.push(`key[${i}]: ${JSON.stringify(k)} is listed twice`);
    keys.add(k);
  });
  if (schema.mode === 'upsert' && schema.key === undefined)
    problems.push('key: mode "upsert" needs a key');

  // Compiling each column checks formats, locales, enum values, regexes and defaults exactly as
  // loading will (with UTC / English standing in for a bad zone or locale, reported above).
  const zone = zoneOffsets(
    schema.timezone !== undefined && isValidTimeZone(schema.timezone) ? schema.timezone : 'UTC',
  );
  const locale =
    schema.locale !== undefined && isSupportedLocale(schema.locale) ? schema.locale : undefined;
  const nullTokens = schema.null_tokens ?? DEFAULT_NULL_TOKENS;
  schema.columns.forEach((c, i) => {
    try {
      compileColumn(c, { nullTokens, locale, zone, isKey: keys.has(c.name) });
    } catch (e) {
      if (!(e instanceof ColumnSpecError)) throw e;
      problems.push(`columns[${i}].${e.field}: ${e.message}`);
    }
  });
  return problems;
}

/**
 * Validates a table schema (an object, or its JSON text as sent in a form
 * field). Throws AppError SCHEMA_INVALID (400) whose message names the exact
 * path of every problem: `columns[2].type: Invalid option: expected one of …`.
 */
export function parseTableSchema(input: unknown): TableSchema {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (e) {
      throw invalid([`schema: not valid JSON (${(e as Error).message})`]);
    }
  }
  const parsed = tableSchemaSchema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error.issues.map(issueText));
  const problems = schemaProblems(parsed.data);
  if (problems.length > 0) throw invalid(problems);
  return parsed.data;
}
