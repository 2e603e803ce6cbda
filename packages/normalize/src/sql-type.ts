import type { ColumnSpec } from './table-schema';

/**
 * The PostgreSQL type a column is created with. email and enum are validated
 * text (a PostgreSQL enum type would need DDL per schema); json is jsonb,
 * which is why the json coercer refuses what jsonb cannot store.
 */
export function sqlType(spec: Pick<ColumnSpec, 'type' | 'precision' | 'scale'>): string {
  switch (spec.type) {
    case 'text':
    case 'email':
    case 'enum':
      return 'text';
    case 'integer':
    case 'bigint':
    case 'boolean':
    case 'date':
    case 'uuid':
      return spec.type;
    case 'numeric':
      if (spec.precision === undefined) return 'numeric';
      return `numeric(${spec.precision},${spec.scale ?? 0})`;
    case 'timestamp':
      return 'timestamp without time zone';
    case 'timestamptz':
      return 'timestamp with time zone';
    case 'json':
      return 'jsonb';
  }
}
