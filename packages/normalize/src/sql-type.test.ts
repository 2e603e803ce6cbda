import { sqlType } from './sql-type';
import type { ColumnSpec } from './table-schema';

describe('sqlType', () => {
  it.each<[Pick<ColumnSpec, 'type' | 'precision' | 'scale'>, string]>([
    [{ type: 'text' }, 'text'],
    [{ type: 'integer' }, 'integer'],
    [{ type: 'bigint' }, 'bigint'],
    [{ type: 'numeric' }, 'numeric'],
    [{ type: 'numeric', precision: 10 }, 'numeric(10,0)'],
    [{ type: 'numeric', precision: 10, scale: 2 }, 'numeric(10,2)'],
    [{ type: 'boolean' }, 'boolean'],
    [{ type: 'date' }, 'date'],
    [{ type: 'timestamp' }, 'timestamp without time zone'],
    [{ type: 'timestamptz' }, 'timestamp with time zone'],
    [{ type: 'uuid' }, 'uuid'],
    [{ type: 'email' }, 'text'],
    [{ type: 'enum' }, 'text'],
    [{ type: 'json' }, 'jsonb'],
  ])('%j → %s', (spec, expected) => {
    expect(sqlType(spec)).toBe(expected);
  });
});
