import type { LoadMode } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import type { TableSchema } from '@ingest/normalize';

/** How a job's rows reach its table: append, upsert by key or replace; atomic or not. */
export interface LoadOptions {
  mode: LoadMode;
  key: string[] | null;
  atomic: boolean;
}

/** `?mode=`, `?key=`, `?atomic=` as given (null: not given); each wins over the schema's. */
export interface QueryLoad {
  mode: LoadMode | null;
  key: string[] | null;
  atomic: boolean | null;
}

/** Mode, key and atomic from the query, else the schema's; an upsert needs a key the schema has. */
export function resolveLoad(query: QueryLoad, schema: TableSchema | null): LoadOptions {
  const mode = query.mode ?? schema?.mode ?? 'append';
  const key = query.key ?? schema?.key ?? null;
  if (mode === 'upsert' && key === null) {
    throw errors.validation(
      "mode=upsert needs a key: ?key=<column>[,<column>…] or the schema's key",
    );
  }
  if (key !== null && new Set(key).size !== key.length) {
    throw errors.validation('query parameter key: a column is listed twice');
  }
  const missing =
    schema === null ? [] : (key?.filter((k) => !schema.columns.some((c) => c.name === k)) ?? []);
  if (missing.length > 0) {
    throw errors.validation(
      `query parameter key: ${missing.join(', ')} is not a column of the schema`,
    );
  }
  return { mode, key, atomic: query.atomic ?? schema?.atomic ?? false };
}
