import pg from 'pg';

export type { Pool, PoolClient } from 'pg';

// bigint (int8) and numeric counts fit comfortably in a JS number for row counts.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PoolOptions {
  connectionString: string;
  /** Connections per process. Default 10. */
  max?: number;
  applicationName: string;
  /**
   * Server-side limits of every session of the pool, sent at connect (none by default):
   * a statement longer than `statementMs` is cancelled, a wait for a lock longer than
   * `lockMs` fails (55P03), and a session idle inside a transaction longer than
   * `idleInTransactionMs` is ended — so a stuck client cannot hold its locks for ever.
   */
  sessionTimeouts?: { statementMs?: number; lockMs?: number; idleInTransactionMs?: number };
}

export const createPool = (options: PoolOptions): pg.Pool => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: options.sessionTimeouts?.statementMs,
    lock_timeout: options.sessionTimeouts?.lockMs,
    idle_in_transaction_session_timeout: options.sessionTimeouts?.idleInTransactionMs,
  });
  // A client losing its server (failover, restart) must not crash the process: idle
  // clients report through the pool, checked-out ones through their own 'error' event;
  // the query in flight rejects either way and the caller's retry logic takes over.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
};

/** Where a statement can run: the pool (its own transaction) or a client inside one. */
export type Queryable = pg.Pool | pg.PoolClient;
