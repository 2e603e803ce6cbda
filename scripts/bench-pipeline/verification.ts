/**
 * Checks the pipeline's table against psql's: identical column names and
 * types, count, sum of ids, non-null count of the nullable column, and a
 * fingerprint of every row; each peer's table by count and fingerprint; the
 * job's own figures, the ledger and the dead-letter queue. Every difference is
 * a problem of the run.
 */
import pg from 'pg';
import type { CsvFile } from '../bench-support/csv-generator';
import { queueDepths } from '../bench-support/services';
import { log } from './bench-output';
import { RABBITMQ_URL } from './endpoints';
import type { FileShape } from './file-shapes';
import type { JobView } from './job-poller';
import { PIPELINE_TABLE } from './measured-job';
import { PSQL_TABLE } from './psql-baseline';
import type {
  Counts,
  JobFigures,
  PeerResult,
  PsqlResult,
  RunContext,
  VerificationFigures,
} from './run-model';

/** A table by schema and name: the pipeline's lives in the bench tenant's schema, psql's in public. */
interface Table {
  schema: string;
  name: string;
}

const sqlName = (t: Table): string =>
  `${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.name)}`;
const inPublic = (name: string): Table => ({ schema: 'public', name });

async function tableCounts(db: pg.Client, table: Table, shape: FileShape): Promise<Counts> {
  const id = pg.escapeIdentifier(shape.idColumn);
  const nullable = pg.escapeIdentifier(shape.nullableColumn);
  const { rows } = await db.query<{ rows: string; non_null: string; id_sum: string }>(
    `SELECT count(*)::text AS rows, count(${nullable})::text AS non_null,
            coalesce(sum(${id}::bigint), 0)::text AS id_sum
     FROM ${sqlName(table)}`,
  );
  const r = rows[0];
  return { rows: Number(r?.rows), nonNull: Number(r?.non_null), idSum: r?.id_sum ?? '' };
}

/** Column names and types as PostgreSQL shows them, in column order. */
async function columnTypes(db: pg.Client, table: Table): Promise<string[]> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
     FROM pg_attribute
     WHERE attrelid = format('%I.%I', $1::text, $2::text)::regclass AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [table.schema, table.name],
  );
  return rows.map((r) => `${r.name} ${r.type}`);
}

/**
 * A fingerprint of every value: the sum of each row's hash as text. Tables of
 * identical types render equal values as equal text, so equal sums mean equal rows
 * (in any order).
 */
async function fingerprint(db: pg.Client, table: Table): Promise<string> {
  const { rows } = await db.query<{ f: string | null }>(
    `SELECT sum(hashtext(t::text)::bigint)::text AS f FROM ${sqlName(table)} t`,
  );
  return rows[0]?.f ?? 'null';
}

export interface VerifiedLoad {
  csv: CsvFile;
  psql: PsqlResult;
  peers: PeerResult[];
  view: JobView;
  job: JobFigures;
}

/** Compares every loaded table with psql's; fills `out` as it goes. */
export async function verifyRun(
  run: RunContext,
  load: VerifiedLoad,
  out: VerificationFigures,
): Promise<void> {
  const { db, shape } = run;
  const { csv, view } = load;
  // The job view names the table schema-qualified: `<tenant schema>.<table>`.
  const pipeline: Table = { schema: view.table.split('.')[0] ?? 'public', name: PIPELINE_TABLE };
  const psqlTable = inPublic(PSQL_TABLE);
  const pipelineCounts = await tableCounts(db, pipeline, shape);
  const psqlCounts = await tableCounts(db, psqlTable, shape);
  const counts: NonNullable<VerificationFigures['counts']> = {
    pipeline: pipelineCounts,
    psql: psqlCounts,
    peers: {},
  };
  out.counts = counts;
  const expect = (what: string, got: unknown, want: unknown) => {
    if (got !== want) run.problems.push(`${what}: ${String(got)}, expected ${String(want)}`);
  };
  expect('pipeline table count(*)', pipelineCounts.rows, psqlCounts.rows);
  expect('pipeline table sum(id)', pipelineCounts.idSum, psqlCounts.idSum);
  expect('pipeline table count(nullable)', pipelineCounts.nonNull, psqlCounts.nonNull);
  expect('psql \\copy rows', load.psql.rows, psqlCounts.rows);
  expect('psql rows vs generated records', psqlCounts.rows, csv.records);
  // Same names and types, then every value: the pipeline's schema must be the shape's.
  const types = {
    pipeline: await columnTypes(db, pipeline),
    psql: await columnTypes(db, psqlTable),
  };
  out.columnTypes = types;
  if (types.pipeline.join(', ') !== types.psql.join(', ')) {
    run.problems.push(
      `pipeline table columns (${types.pipeline.join(', ')}) differ from psql's (${types.psql.join(', ')})`,
    );
  }
  log('fingerprinting every row of both tables ...');
  const prints: NonNullable<VerificationFigures['fingerprints']> = {
    pipeline: await fingerprint(db, pipeline),
    psql: await fingerprint(db, psqlTable),
    peers: {},
  };
  out.fingerprints = prints;
  expect('pipeline table fingerprint (sum of hashtext(row::text))', prints.pipeline, prints.psql);
  for (const peer of load.peers.filter((p) => p.code === 0)) {
    const peerCounts = await tableCounts(db, inPublic(peer.table), shape);
    counts.peers[peer.name] = peerCounts;
    expect(`${peer.name} table count(*)`, peerCounts.rows, psqlCounts.rows);
    prints.peers[peer.name] = await fingerprint(db, inPublic(peer.table));
    expect(`${peer.name} table fingerprint`, prints.peers[peer.name], prints.psql);
  }
  expect('job.records (splitter)', view.records, psqlCounts.rows);
  expect('job.rows.loaded', view.rows.loaded, psqlCounts.rows);
  expect('job.rows.rejected', view.rows.rejected, 0);
  expect('job.bytes', view.bytes, csv.bytes);
  expect('ledger chunks', load.job.ledgerChunks, view.chunks.total);
  const depths = await queueDepths(RABBITMQ_URL, run.queuePrefix);
  expect('messages in the dead-letter queue', depths['ingest.dead'], 0);
}
