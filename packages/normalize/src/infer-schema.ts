/**
 * Schema inference from sample rows (taken by the caller at several places
 * in the file). Per column, the narrowest type that reads EVERY non-null
 * sample, tried in this order:
 *
 *   boolean → integer → bigint → numeric → date → timestamp/timestamptz → uuid → json → text
 *
 * Decisions (each one a way a sample can lie):
 * - 0/1-only columns are integer, not boolean (counts and codes look the
 *   same); boolean needs at least one word (true/yes/t/y/…).
 * - Integers with leading zeros (`007`, zip codes) stay text; so do numbers
 *   with exponents (`1E5` is as often a product code).
 * - integer only with 16× headroom below int4's limit, else bigint: a
 *   sample's maximum is not the file's. Beyond bigint: numeric (exact).
 * - Decimal marks: `1.234,5` reads as German. When every value reads both
 *   ways and some differently (`1,234`), the column stays text with a note.
 * - Dates: ISO, or one of a few day/month/year patterns. When both MM/DD and
 *   DD/MM read every sample the column stays text with a note — never a
 *   silent guess. Dotted dates are taken as day-first (DD.MM.YYYY).
 * - email and enum only validate text (the column is text either way), so
 *   they are not inferred: a later malformed address would become a reject
 *   the user never asked for. A note says when a column looks like email.
 * - Every inferred column is nullable; a sample cannot prove otherwise.
 *
 * confidence (0–1) = sample factor (non-null samples / 20, capped at 1) ×
 * evidence factor (for a day/month order or decimal mark: 0.5 + 0.5 × k/3,
 * k = samples only the chosen reading accepts, capped at 1). Text is 1 unless
 * it is a fallback from an ambiguity (0.5); an all-null column is 0.
 */
import { dateCoercer } from './coerce-date';
import { emailCoercer } from './coerce-email';
import { jsonCoercer } from './coerce-json';
import { timestampCoercer } from './coerce-timestamp';
import { uuidCoercer } from './coerce-uuid';
import { compileDateTimeFormat } from './date-format';
import { emptyParts } from './date-time-parts';
import { toIdentifiers } from './identifiers';
import { parseIsoDateTime } from './iso-date-time';
import {
  type DecimalParts,
  EN_SYNTAX,
  emptyDecimal,
  numberSyntax,
  parseDecimal,
} from './number-syntax';
import { type Coercer, Rejection } from './reject';
import {
  type ColumnSpec,
  type ColumnType,
  DEFAULT_NULL_TOKENS,
  type TableSchema,
} from './table-schema';
import { zoneOffsets } from './time-zone';

export interface InferredColumn {
  /** Target column name (safe snake_case). */
  name: string;
  /** The header cell it reads. */
  header: string;
  type: ColumnType;
  format?: string;
  confidence: number;
  notes: string[];
  /** Non-null sample values seen. */
  samples: number;
  nulls: number;
}

export interface InferredSchema {
  /** A valid TableSchema: load it with compileColumns like a declared one. */
  schema: TableSchema;
  columns: InferredColumn[];
}

export interface InferOptions {
  /** Spellings of NULL in the file; default DEFAULT_NULL_TOKENS. */
  nullTokens?: readonly string[];
}

const FULL_SAMPLES = 20;
const INT4_HEADROOM = 2 ** 31 / 16;
const BOOLEAN_WORDS = /^(?:true|false|t|f|yes|no|y|n|on|off)$/i;

const DATE_FORMATS = [
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'DD.MM.YYYY',
  'MM-DD-YYYY',
  'DD-MM-YYYY',
  'YYYY/MM/DD',
  'YYYY.MM.DD',
  'MM/DD/YY',
  'DD/MM/YY',
  'DD.MM.YY',
  'DD-MMM-YYYY',
  'DD MMM YYYY',
  'MMM D, YYYY',
  'MMMM D, YYYY',
];
const TIME_SUFFIXES = [' HH:mm', ' HH:mm:ss', ' HH:mm:ss.SSS', ' h:mm A', ' h:mm:ss A'];
const DATETIME_FORMATS = DATE_FORMATS.flatMap((d) => TIME_SUFFIXES.map((t) => d + t));

const dateCoercers = new Map(DATE_FORMATS.map((f) => [f, dateCoercer(compileDateTimeFormat(f))]));
const utc = zoneOffsets('UTC');
const isoTimestamp = timestampCoercer('timestamp', undefined, utc);
const timestampCoercers = new Map(
  DATETIME_FORMATS.map((f) => [f, timestampCoercer('timestamp', compileDateTimeFormat(f), utc)]),
);

const fitsAll = (values: readonly string[], coerce: Coercer): boolean =>
  values.every((v) => !(coerce(v) instanceof Rejection));
const evidenceFactor = (k: number): number => Math.min(1, 0.5 + (0.5 * k) / 3);

interface Guess {
  type: ColumnType;
  format?: string;
  evidence: number;
  notes: string[];
}

/** Reads a number both ways; integral values as a digit string, else null. */
function numberGuess(values: readonly string[]): Guess | null {
  const de = numberSyntax('de');
  const en: DecimalParts = emptyDecimal();
  const ge: DecimalParts = emptyDecimal();
  let fitsEn = true;
  let fitsDe = true;
  let differ = false;
  let onlyDe = 0;
  for (const v of values) {
    const okEn = parseDecimal(v, EN_SYNTAX, false, en);
    const okDe = parseDecimal(v, de, false, ge);
    // Leading zeros mark identifiers (zip codes, account numbers): not numbers.
    if ((okEn && /^0\d/.test(en.int)) || (okDe && /^0\d/.test(ge.int))) return null;
    fitsEn &&= okEn;
    fitsDe &&= okDe;
    if (!okEn && okDe) onlyDe++;
    if (okEn && okDe && (en.int !== ge.int || en.frac !== ge.frac)) differ = true;
    if (!fitsEn && !fitsDe) return null;
  }
  if (fitsEn && fitsDe && differ) {
    return {
      type: 'text',
      evidence: 0,
      notes: [
        'numbers read differently with "." or "," as the decimal mark (e.g. 1,234); declare numeric with format "en" or "de"',
      ],
    };
  }
  const useDe = !fitsEn;
  const parts = emptyDecimal();
  let integral = true;
  let maxAbs = 0n;
  for (const v of values) {
    parseDecimal(v, useDe ? de : EN_SYNTAX, false, parts);
    if (parts.frac !== '') integral = false;
    else if (parts.int !== '') {
      const n = BigInt(parts.int);
      if (n > maxAbs) maxAbs = n;
    }
  }
  const notes: string[] = [];
  const format = useDe ? 'de' : undefined;
  const evidence = useDe ? onlyDe : Infinity;
  if (!integral) return { type: 'numeric', format, evidence, notes };
  if (values.every((v) => v === '0' || v === '1')) notes.push('only 0 and 1: integer, not boolean');
  if (maxAbs <= BigInt(INT4_HEADROOM)) return { type: 'integer', format, evidence, notes };
  if (maxAbs <= 9223372036854775807n) {
    if (maxAbs < 2n ** 31n)
      notes.push('fits integer, but bigint leaves headroom for values beyond the sample');
    return { type: 'bigint', format, evidence, notes };
  }
  notes.push('beyond bigint: numeric');
  return { type: 'numeric', format, evidence, notes };
}

/** The one format of `formats` reading every value, or a note when several do. */
function formatGuess(
  values: readonly string[],
  coercers: Map<string, Coercer>,
  type: ColumnType,
): Guess | null {
  const fitting = [...coercers].filter(([, c]) => fitsAll(values, c)).map(([f]) => f);
  if (fitting.length === 0) return null;
  if (fitting.length > 1) {
    return {
      type: 'text',
      evidence: 0,
      notes: [
        `ambiguous dates: ${fitting.map((f) => `"${f}"`).join(' and ')} both read every sample; declare the format`,
      ],
    };
  }
  const format = fitting[0] as string;
  // Evidence: samples a competing reading of the same shape rejects.
  let evidence = Infinity;
  const dayMonth = /^(MM|DD)([^A-Za-z])(MM|DD)(?![A-Za-z])/;
  const swapped = dayMonth.test(format)
    ? format.replace(dayMonth, (_m, a: string, s: string, b: string) => b + s + a)
    : null;
  if (swapped !== null) {
    const other =
      type === 'date'
        ? dateCoercer(compileDateTimeFormat(swapped))
        : timestampCoercer('timestamp', compileDateTimeFormat(swapped), utc);
    evidence = values.filter((v) => other(v) instanceof Rejection).length;
  }
  return { type, format, evidence, notes: [] };
}

function guessType(values: readonly string[]): Guess {
  if (
    values.some((v) => !/^[01]$/.test(v)) &&
    values.every((v) => BOOLEAN_WORDS.test(v) || v === '0' || v === '1')
  ) {
    return { type: 'boolean', evidence: Infinity, notes: [] };
  }
  const number = numberGuess(values);
  if (number !== null) return number;

  const isoDate = dateCoercer(undefined);
  if (fitsAll(values, isoDate)) return { type: 'date', evidence: Infinity, notes: [] };
  const date = formatGuess(values, dateCoercers, 'date');
  if (date !== null) return date;

  if (fitsAll(values, isoTimestamp)) {
    const parts = emptyParts();
    const withOffset = values.filter(
      (v) => parseIsoDateTime(v, parts) && parts.offset !== null,
    ).length;
    if (withOffset === 0) return { type: 'timestamp', evidence: Infinity, notes: [] };
    const notes =
      withOffset < values.length
        ? ['some values lack a UTC offset: they are read in the schema time zone (default UTC)']
        : [];
    return { type: 'timestamptz', evidence: Infinity, notes };
  }
  const timestamp = formatGuess(values, timestampCoercers, 'timestamp');
  if (timestamp !== null) return timestamp;

  if (fitsAll(values, uuidCoercer)) return { type: 'uuid', evidence: Infinity, notes: [] };
  if (values.every((v) => v.startsWith('{') || v.startsWith('[')) && fitsAll(values, jsonCoercer)) {
    return { type: 'json', evidence: Infinity, notes: [] };
  }
  const notes: string[] = [];
  if (fitsAll(values, emailCoercer))
    notes.push('every sample is an email address; declare type "email" to validate them');
  if (values.some((v) => /^0\d+$/.test(v)) && values.every((v) => /^\d+$/.test(v)))
    notes.push('digits with leading zeros kept as text');
  return { type: 'text', evidence: Infinity, notes };
}

/**
 * Infers a schema from a header and sample rows. Cells are trimmed and null
 * tokens dropped first, exactly as the default transforms will do on load.
 */
export function inferSchema(
  header: readonly string[],
  sampleRows: readonly (readonly string[])[],
  options: InferOptions = {},
): InferredSchema {
  const nullTokens = new Set(options.nullTokens ?? DEFAULT_NULL_TOKENS);
  const names = toIdentifiers(header);
  const columns = header.map((cell, i): InferredColumn => {
    const values: string[] = [];
    let nulls = 0;
    for (const row of sampleRows) {
      const v = (row[i] ?? '').trim();
      if (nullTokens.has(v) || v === '') nulls++;
      else values.push(v);
    }
    const name = names[i] as string;
    if (values.length === 0) {
      return {
        name,
        header: cell,
        type: 'text',
        confidence: 0,
        notes: ['no values in the sample: text'],
        samples: 0,
        nulls,
      };
    }
    const guess = guessType(values);
    const fallback = guess.type === 'text' && guess.evidence === 0;
    const sampleFactor = Math.min(1, values.length / FULL_SAMPLES);
    const confidence =
      guess.type === 'text' ? (fallback ? 0.5 : 1) : sampleFactor * evidenceFactor(guess.evidence);
    const column: InferredColumn = {
      name,
      header: cell,
      type: guess.type,
      confidence: Math.round(confidence * 100) / 100,
      notes: guess.notes,
      samples: values.length,
      nulls,
    };
    if (guess.format !== undefined) column.format = guess.format;
    return column;
  });
  const specs = columns.map((c): ColumnSpec => {
    const spec: ColumnSpec = { name: c.name, source: c.header, type: c.type };
    if (c.format !== undefined) spec.format = c.format;
    return spec;
  });
  return { schema: { columns: specs }, columns };
}
