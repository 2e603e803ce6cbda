import { LOAD_MODES } from '@ingest/contracts';
import { z } from 'zod';
import { parseRejectBudget } from './reject-budget';

const MAX_REJECTS_HINT =
  'expected a count (an integer ≥ 0) or a percentage up to 100% such as "5%"';

/** Column types a schema can declare; each maps to one PostgreSQL column type (see sql-type.ts). */
export const COLUMN_TYPES = [
  'text',
  'integer',
  'bigint',
  'numeric',
  'boolean',
  'date',
  'timestamp',
  'timestamptz',
  'uuid',
  'email',
  'enum',
  'json',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** The default null spellings. Note `NA` is also Namibia's country code: override per column if that matters. */
export const DEFAULT_NULL_TOKENS: readonly string[] = ['', 'NULL', 'null', 'N/A', 'NA', '-'];

const transformObject = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('trim'), enabled: z.boolean().optional() }),
  z.strictObject({ type: z.literal('collapse_whitespace') }),
  z.strictObject({ type: z.literal('upper') }),
  z.strictObject({ type: z.literal('lower') }),
  z.strictObject({ type: z.literal('title') }),
  z.strictObject({
    type: z.literal('null_tokens'),
    tokens: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('replace'),
    pattern: z.string().min(1).max(1000),
    replacement: z.string().optional(),
    flags: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('default'), value: z.string() }),
]);

/** A transform is an object, or just its type's name when it takes no options (`"upper"`). */
export const transformSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  transformObject,
);
export type Transform = z.infer<typeof transformObject>;
export type TransformType = Transform['type'];

export const columnSpecSchema = z.strictObject({
  name: z.string().min(1),
  /** Header cell to read; default `name`. Matched case- and whitespace-insensitively. */
  source: z.string().optional(),
  type: z.enum(COLUMN_TYPES),
  /** Default true. */
  nullable: z.boolean().optional(),
  /** The header must contain the column and every value must be present. */
  required: z.boolean().optional(),
  /** Used when the value is null after the transforms; coerced like any value. */
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** numeric/integer/bigint: a locale (`de`); date/timestamp: a pattern (`DD.MM.YYYY HH:mm`). */
  format: z.string().min(1).optional(),
  /** Ordered; omitted means `["trim", "null_tokens"]`. */
  transforms: z.array(transformSchema).optional(),
  precision: z.int().min(1).max(1000).optional(),
  scale: z.int().min(0).max(1000).optional(),
  /** enum: variant → canonical value; canonical values match themselves. */
  values: z.record(z.string(), z.string()).optional(),
});
export type ColumnSpec = z.infer<typeof columnSpecSchema>;

export const tableSchemaSchema = z.strictObject({
  table: z.string().min(1).optional(),
  // PostgreSQL's column limit per table.
  columns: z.array(columnSpecSchema).min(1).max(1600),
  key: z.array(z.string().min(1)).min(1).optional(),
  mode: z.enum(LOAD_MODES).optional(),
  /** No row is visible until the whole job completes; a failed job leaves the table untouched. */
  atomic: z.boolean().optional(),
  /** A count (10, "10") or a share of rows ("5%"); omitted: unlimited. */
  max_rejects: z
    .union([z.number(), z.string()], { error: MAX_REJECTS_HINT })
    .refine((v) => parseRejectBudget(v) !== null, { error: MAX_REJECTS_HINT })
    .optional(),
  /** Replaces DEFAULT_NULL_TOKENS for every column that does not list its own. */
  null_tokens: z.array(z.string()).optional(),
  /** BCP 47 tag for numbers (`de` reads `1.234,50`); columns override with `format`. */
  locale: z.string().min(1).optional(),
  /** IANA zone for timestamps without an offset; default UTC. */
  timezone: z.string().min(1).optional(),
});
export type TableSchema = z.infer<typeof tableSchemaSchema>;
