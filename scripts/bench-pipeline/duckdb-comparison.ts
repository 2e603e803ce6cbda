/**
 * DuckDB as a peer (--peers duckdb): its CSV reader reads the raw file, SQL
 * expressions convert the shape's columns (the shape's duckdbColumns), and the
 * rows go as CSV through a FIFO into `psql \copy … FROM` the FIFO — what a user
 * pairing DuckDB with PostgreSQL would run. DuckDB runs in this process
 * (@duckdb/node-api), on both cores.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FileShape } from './file-shapes';
import { PeerLog, runLogged, type Peer } from './peer-process';
import { psqlInvocation } from './psql-baseline';

const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** DuckDB's COPY of the shape's converted rows from `file` to `target`, as headerless CSV. */
export function duckdbCopySql(shape: FileShape, file: string, target: string): string {
  const columns = shape.schema.columns.map((c) => {
    const name = `"${c.name}"`;
    const expression = shape.duckdbColumns[c.name];
    return expression === undefined ? name : `${expression} AS ${name}`;
  });
  // Every field as text, as in the file: a quoted empty field stays an empty string,
  // an unquoted one is NULL; the expressions convert what needs it.
  const read =
    `read_csv(${quoted(file)}, header = true, all_varchar = true, delim = ',', quote = '"', ` +
    `escape = '"', allow_quoted_nulls = false${shape.duckdbRead ? `, ${shape.duckdbRead}` : ''})`;
  return `COPY (SELECT ${columns.join(', ')} FROM ${read}) TO ${quoted(target)} (FORMAT csv, HEADER false)`;
}

export const duckdbPeer: Peer = {
  name: 'duckdb',
  unavailable: () => null, // @duckdb/node-api is a devDependency, with its prebuilt engine
  async load(run, file, table) {
    const fifo = join(run.logDir, 'duckdb.fifo');
    execFileSync('mkfifo', [fifo]);
    const output = new PeerLog(run, 'duckdb');
    const { args, env } = psqlInvocation(
      run.databaseUrl,
      `\\copy ${table} FROM ${quoted(fifo)} WITH (FORMAT csv)`,
    );
    const t0 = performance.now();
    const psql = runLogged(run, output, 'psql', args, env);
    let failed = false;
    try {
      const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
      const connection = await instance.connect();
      await connection.run(duckdbCopySql(run.shape, file, fifo));
      connection.closeSync();
      instance.closeSync();
    } catch (e) {
      failed = true;
      output.write(`duckdb: ${(e as Error).message}\n`);
      // psql waits for a writer: opening and closing the FIFO ends its input.
      closeSync(openSync(fifo, 'w'));
    }
    const psqlCode = await psql;
    const seconds = (performance.now() - t0) / 1000;
    rmSync(fifo, { force: true });
    return {
      name: 'duckdb',
      table,
      seconds,
      code: failed ? 1 : psqlCode,
      tail: await output.close(),
    };
  },
};
