import type { LoadMode, LoadPlan } from '@ingest/contracts';
import { AppError } from '@ingest/errors';
import type { Pool } from '@ingest/postgres';
import { loadStrategyFor } from './load-strategy-for';
import { claimsTableName, stageTableName } from './sql-names';

export interface LoadSettings {
  jobId: string;
  /** The tenant's schema the table lives in. */
  schema: string;
  table: string;
  columns: readonly string[];
  mode: LoadMode;
  key: readonly string[] | null;
  atomic: boolean;
}

/**
 * The plan for a job's settings: a plain append loads `direct`, a plain
 * upsert by key `merge`s, anything replacing or atomic goes through a stage.
 */
export function chooseLoadPlan(s: LoadSettings): LoadPlan {
  if (s.mode === 'append' && !s.atomic) return { kind: 'direct' };
  if (s.mode === 'upsert' && !s.atomic && s.key !== null) {
    return { kind: 'merge', claims: claimsTableName(s.jobId), key: [...s.key] };
  }
  const key = s.mode === 'append' || s.key === null ? null : [...s.key];
  return { kind: 'staged', stage: stageTableName(s.jobId), publish: s.mode, key };
}

/** The plan for a job's settings, with its work tables created (idempotently) before the first chunk. */
export async function prepareLoadPlan(pool: Pool, s: LoadSettings): Promise<LoadPlan> {
  if (s.mode === 'upsert' && s.key !== null) await assertUniqueKey(pool, s, s.key);
  const plan = chooseLoadPlan(s);
  await loadStrategyFor(plan, s).prepare(pool);
  return plan;
}

/** An upsert needs a unique index on exactly the key columns (ON CONFLICT names it by them). */
async function assertUniqueKey(
  pool: Pool,
  { schema, table }: { schema: string; table: string },
  key: readonly string[],
): Promise<void> {
  const { rows } = await pool.query<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
       WHERE i.indrelid = format('%I.%I', $3::text, $1::text)::regclass AND i.indisunique
         AND i.indpred IS NULL AND i.indexprs IS NULL
         AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
              FROM pg_attribute a
              WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
             = (SELECT array_agg(k ORDER BY k) FROM unnest($2::text[]) AS k)
     ) AS found`,
    [table, key, schema],
  );
  if (rows[0]?.found !== true) {
    throw new AppError(
      'TARGET_KEY_MISSING',
      `table "${table}" has no unique index on (${key.join(', ')}): upsert needs one to find existing rows`,
      422,
    );
  }
}
