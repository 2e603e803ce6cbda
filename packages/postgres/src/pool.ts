import pg from 'pg';

export type { Pool, PoolClient } from 'pg';

// bigint (int8) and numeric counts fit comfortably in a JS number for row counts.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PoolOptions {
  connectionString: string;
  /** Connections per process. Default 10. */
  max?: number;
  applicationName: string;
}

export const createPool = (options: PoolOptions): pg.Pool => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client losing its server (failover, restart) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
};
