/** Test helper: one cell through a column compiled from a spec (transforms, default, coercion). */
import { compileColumn } from './compile-column';
import { Rejection } from './reject';
import { type ColumnSpec, DEFAULT_NULL_TOKENS } from './table-schema';
import { zoneOffsets } from './time-zone';

export interface CellContext {
  timezone?: string;
  locale?: string;
  nullTokens?: readonly string[];
  isKey?: boolean;
}

/** The normalized value, or the reject code prefixed with `!` (readable in it.each tables). */
export function cell(
  spec: Omit<ColumnSpec, 'name'> & { name?: string },
  raw: string,
  ctx: CellContext = {},
): string | null {
  const column = compileColumn(
    { name: 'c', ...spec },
    {
      nullTokens: ctx.nullTokens ?? DEFAULT_NULL_TOKENS,
      locale: ctx.locale,
      zone: zoneOffsets(ctx.timezone ?? 'UTC'),
      isKey: ctx.isKey ?? false,
    },
  );
  const r = column.normalize(raw);
  return r instanceof Rejection ? `!${r.code}` : r;
}
