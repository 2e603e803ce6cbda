import { JOB_STATUSES, statusRank } from '@ingest/contracts';

/**
 * `ingest.status_rank(text)`, generated from the one rank table in
 * @ingest/contracts (job-status.ts), so SQL and TypeScript cannot disagree.
 * The migration runner (re)creates it on every run. Unknown text ranks as
 * terminal: nothing moves a row with a status this version does not know.
 */
export function statusRankFunctionSql(): string {
  const cases = JOB_STATUSES.map((s) => `WHEN '${s}' THEN ${statusRank(s)}`).join(' ');
  return `CREATE OR REPLACE FUNCTION ingest.status_rank(s text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE s ${cases} ELSE 100 END $$`;
}
