import { booleanCoercer } from './coerce-boolean';
import { dateCoercer } from './coerce-date';
import { emailCoercer } from './coerce-email';
import { enumCoercer } from './coerce-enum';
import { jsonCoercer } from './coerce-json';
import { integerCoercer, numericCoercer } from './coerce-number';
import { timestampCoercer } from './coerce-timestamp';
import { uuidCoercer } from './coerce-uuid';
import { compileDateTimeFormat, type DateTimeFormat } from './date-format';
import { isSupportedLocale, numberSyntax } from './number-syntax';
import { type Coercer, Rejection } from './reject';
import type { ColumnSpec } from './table-schema';
import { REPLACE_FLAGS, compilePipeline, compileReplace } from './transforms';
import type { ZoneOffsets } from './time-zone';

/** Schema-wide settings a column falls back on. */
export interface ColumnContext {
  nullTokens: readonly string[];
  locale: string | undefined;
  zone: ZoneOffsets;
  /** Key columns never take NULL. */
  isKey: boolean;
}

/** A column setting that cannot work; `field` is the path below the column (`format`, `transforms[1].pattern`). */
export class ColumnSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A column ready for the hot path. */
export interface CompiledColumn {
  readonly spec: ColumnSpec;
  /** Never NULL: required, nullable: false, or part of the key. */
  readonly notNull: boolean;
  /** The coerced default, or null without one. */
  readonly defaultValue: string | null;
  /** One cell → COPY-ready text, NULL, or why it is rejected. */
  readonly normalize: (raw: string) => string | null | Rejection;
}

const NUMBER_TYPES = new Set(['integer', 'bigint', 'numeric']);
const DATE_TYPES = new Set(['date', 'timestamp', 'timestamptz']);

function dateFormat(spec: ColumnSpec): DateTimeFormat | undefined {
  if (spec.format === undefined) return undefined;
  let format: DateTimeFormat;
  try {
    format = compileDateTimeFormat(spec.format);
  } catch (e) {
    throw new ColumnSpecError('format', `${JSON.stringify(spec.format)}: ${(e as Error).message}`);
  }
  if (spec.type === 'date' && (format.hasTime || format.hasOffset)) {
    throw new ColumnSpecError(
      'format',
      'a date format cannot contain a time or an offset; use a timestamp column',
    );
  }
  return format;
}

/** The type's coercer; throws ColumnSpecError for settings that cannot work. */
export function buildCoercer(spec: ColumnSpec, ctx: ColumnContext): Coercer {
  if (spec.format !== undefined && !NUMBER_TYPES.has(spec.type) && !DATE_TYPES.has(spec.type)) {
    throw new ColumnSpecError('format', `type ${spec.type} takes no format`);
  }
  if ((spec.precision !== undefined || spec.scale !== undefined) && spec.type !== 'numeric') {
    throw new ColumnSpecError(
      spec.precision !== undefined ? 'precision' : 'scale',
      `only numeric takes precision and scale`,
    );
  }
  if (spec.values !== undefined && spec.type !== 'enum') {
    throw new ColumnSpecError('values', `only enum takes values`);
  }
  const locale = spec.format ?? ctx.locale;
  if (NUMBER_TYPES.has(spec.type) && locale !== undefined && !isSupportedLocale(locale)) {
    throw new ColumnSpecError(
      spec.format === undefined ? 'locale' : 'format',
      `${JSON.stringify(locale)} is not a locale this runtime knows (e.g. "en", "de", "fr-CH")`,
    );
  }
  switch (spec.type) {
    case 'text':
      return (v) => v;
    case 'integer':
    case 'bigint':
      return integerCoercer(spec.type, numberSyntax(locale));
    case 'numeric':
      if (spec.scale !== undefined && spec.precision === undefined) {
        throw new ColumnSpecError('scale', 'a scale needs a precision');
      }
      if (spec.precision !== undefined && spec.scale !== undefined && spec.scale > spec.precision) {
        throw new ColumnSpecError(
          'scale',
          `scale ${spec.scale} exceeds precision ${spec.precision}`,
        );
      }
      return numericCoercer(numberSyntax(locale), spec.precision, spec.scale);
    case 'boolean':
      return booleanCoercer;
    case 'date':
      return dateCoercer(dateFormat(spec));
    case 'timestamp':
    case 'timestamptz':
      return timestampCoercer(spec.type, dateFormat(spec), ctx.zone);
    case 'uuid':
      return uuidCoercer;
    case 'email':
      return emailCoercer;
    case 'enum': {
      if (spec.values === undefined || Object.keys(spec.values).length === 0) {
        throw new ColumnSpecError('values', 'an enum needs at least one value');
      }
      try {
        return enumCoercer(spec.values);
      } catch (e) {
        throw new ColumnSpecError('values', (e as Error).message);
      }
    }
    case 'json':
      return jsonCoercer;
  }
}

function checkTransforms(spec: ColumnSpec): void {
  spec.transforms?.forEach((t, i) => {
    if (t.type !== 'replace') return;
    if (t.flags !== undefined && !REPLACE_FLAGS.test(t.flags)) {
      throw new ColumnSpecError(
        `transforms[${i}].flags`,
        `${JSON.stringify(t.flags)}: only g, i, m, s, u, v (replacing is always global)`,
      );
    }
    try {
      compileReplace(t.pattern, t.flags);
    } catch (e) {
      throw new ColumnSpecError(`transforms[${i}].pattern`, (e as Error).message);
    }
  });
}

/** Compiles one column once: transforms, coercion, default, NULL rule. */
export function compileColumn(spec: ColumnSpec, ctx: ColumnContext): CompiledColumn {
  checkTransforms(spec);
  const coerce = buildCoercer(spec, ctx);
  const pipeline = compilePipeline(spec.transforms, ctx.nullTokens);
  let defaultValue: string | null = null;
  if (spec.default !== undefined) {
    const d = coerce(String(spec.default));
    if (d instanceof Rejection) throw new ColumnSpecError('default', d.message);
    defaultValue = d;
  }
  // A `default` transform's value must survive the rest of the chain and the coercion.
  const filled = pipeline('');
  if (filled !== null && filled !== '') {
    const r = coerce(filled);
    const at = spec.transforms?.findIndex((t) => t.type === 'default') ?? -1;
    if (r instanceof Rejection) throw new ColumnSpecError(`transforms[${at}].value`, r.message);
  }
  const notNull = spec.required === true || spec.nullable === false || ctx.isKey;
  // One shared instance: a missing value allocates nothing.
  const missing = new Rejection('REQUIRED_VALUE_MISSING', `${spec.name} is required but empty`);
  const emptyIsNull = spec.type !== 'text';
  return {
    spec,
    notNull,
    defaultValue,
    normalize: (raw) => {
      const v = pipeline(raw);
      // No type but text has an empty value: '' is NULL even when no null token says so.
      if (v === null || (v === '' && emptyIsNull)) {
        if (defaultValue !== null) return defaultValue;
        return notNull ? missing : null;
      }
      return coerce(v);
    },
  };
}
