import { AppError } from '@ingest/errors';
import {
  type ColumnContext,
  type CompiledColumn,
  ColumnSpecError,
  compileColumn,
} from './compile-column';
import { type FastCell, compileFastCell } from './fast-cell';
import { type RejectCode, Rejection } from './reject';
import { type ColumnType, DEFAULT_NULL_TOKENS, type TableSchema } from './table-schema';
import { zoneOffsets } from './time-zone';

export type RowResult =
  | { ok: true; values: (string | null)[] }
  | { ok: false; column: string; code: RejectCode; message: string };

/** One column's two ways of reading a cell. */
export interface ColumnCell {
  /** The definition: a cell's text → its value, NULL, or why it is rejected. */
  readonly normalize: (raw: string) => string | null | Rejection;
  /** The byte path for the common shapes (see fast-cell.ts), or null. */
  readonly fast: FastCell | null;
  /** The value when the file lacks the column: its default, or NULL. */
  readonly absent: string | null;
}

/** A schema bound to one file's header: the loader's per-row entry point. */
export interface RowNormalizer {
  /** Target column names, in schema order: the order of `values`. */
  readonly columns: readonly string[];
  readonly types: readonly ColumnType[];
  /** Header position each column reads, -1 for an optional column the file lacks. */
  readonly sourceIndex: readonly number[];
  /** Optional columns absent from the header (loaded as their default or NULL). */
  readonly missing: readonly string[];
  /** Header cells no column reads. */
  readonly unused: readonly string[];
  /** Per column, in schema order: for loaders that read cells from bytes. */
  readonly cells: readonly ColumnCell[];
  /**
   * One record's fields → values as PostgreSQL's COPY reads them for each
   * column type (unescaped: COPY text escaping is the encoder's job), or the
   * first column that fails. The caller checks the record's width first;
   * a field beyond the record's end reads as empty.
   */
  normalizeRow(fields: readonly string[]): RowResult;
}

/** Header cells and sources compare ignoring case and every whitespace character (a BOM too): "Order ID" = "orderid". */
export const headerKey = (cell: string): string =>
  cell.normalize('NFC').replace(/\s+/g, '').toLowerCase();

const schemaError = (path: string, message: string) =>
  new AppError('SCHEMA_INVALID', `${path}: ${message}`, 400);

/** Header position of every column; duplicates in the header are taken in order. */
function mapHeader(schema: TableSchema, header: readonly string[]): number[] {
  const positions = new Map<string, number[]>();
  header.forEach((cell, i) => {
    const key = headerKey(cell);
    const list = positions.get(key);
    if (list === undefined) positions.set(key, [i]);
    else list.push(i);
  });
  const claims = new Map<string, number>();
  for (const c of schema.columns) {
    const key = headerKey(c.source ?? c.name);
    claims.set(key, (claims.get(key) ?? 0) + 1);
  }
  const taken = new Map<string, number>();
  return schema.columns.map((c, i) => {
    const source = c.source ?? c.name;
    const key = headerKey(source);
    const found = positions.get(key) ?? [];
    if (found.length <= 1) return found[0] ?? -1;
    // A repeated header cell is only unambiguous if as many columns read it, in order.
    if (claims.get(key) !== found.length) {
      throw schemaError(
        `columns[${i}].source`,
        `${JSON.stringify(source)} matches ${found.length} header cells (positions ${found.map((p) => p + 1).join(', ')}); declare one column per occurrence`,
      );
    }
    const k = taken.get(key) ?? 0;
    taken.set(key, k + 1);
    return found[k] ?? -1;
  });
}

/**
 * Binds a validated schema to a header. Throws SCHEMA_COLUMN_MISSING (422)
 * naming every column the file lacks that must be present: required ones,
 * and NOT NULL ones without a default.
 */
export function compileColumns(schema: TableSchema, header: readonly string[]): RowNormalizer {
  const zone = zoneOffsets(schema.timezone ?? 'UTC');
  const nullTokens = schema.null_tokens ?? DEFAULT_NULL_TOKENS;
  const keys = new Set(schema.key ?? []);
  const contexts = schema.columns.map((spec) => ({
    nullTokens,
    locale: schema.locale,
    zone,
    isKey: keys.has(spec.name),
  }));
  const compiled: CompiledColumn[] = schema.columns.map((spec, i) => {
    try {
      return compileColumn(spec, contexts[i] as ColumnContext);
    } catch (e) {
      if (e instanceof ColumnSpecError) throw schemaError(`columns[${i}].${e.field}`, e.message);
      throw e;
    }
  });
  const sourceIndex = mapHeader(schema, header);

  const absent = compiled.filter((_c, i) => sourceIndex[i] === -1);
  const mustHave = absent.filter(
    (c) => c.spec.required === true || (c.notNull && c.defaultValue === null),
  );
  if (mustHave.length > 0) {
    const names = mustHave.map((c) =>
      c.spec.source === undefined
        ? `"${c.spec.name}"`
        : `"${c.spec.name}" (source "${c.spec.source}")`,
    );
    throw new AppError(
      'SCHEMA_COLUMN_MISSING',
      `the file's header lacks required column${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
      422,
    );
  }

  const n = compiled.length;
  const names = compiled.map((c) => c.spec.name);
  const normalizers = compiled.map((c) => c.normalize);
  const indices = Int32Array.from(sourceIndex);
  const constants = compiled.map((c) => c.defaultValue);
  const read = new Set(sourceIndex);

  return {
    columns: names,
    types: compiled.map((c) => c.spec.type),
    sourceIndex,
    missing: absent.map((c) => c.spec.name),
    unused: header.filter((_h, i) => !read.has(i)),
    cells: compiled.map((c, i) => ({
      normalize: c.normalize,
      fast: compileFastCell(c, contexts[i] as ColumnContext),
      absent: c.defaultValue,
    })),
    normalizeRow(fields) {
      const values = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const at = indices[i] as number;
        const r =
          at < 0
            ? (constants[i] as string | null)
            : (normalizers[i] as CompiledColumn['normalize'])(fields[at] ?? '');
        if (r instanceof Rejection) {
          return { ok: false, column: names[i] as string, code: r.code, message: r.message };
        }
        values[i] = r;
      }
      return { ok: true, values };
    },
  };
}
