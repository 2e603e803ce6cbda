/**
 * Refuses a run that would fill the disk before it starts: a 10 GiB run of one shape
 * writes about six times the file's size (the file and its clean copy, the stored
 * object, psql's table and the pipeline's, the WAL), and a full disk stops Postgres,
 * RabbitMQ and every service at once, mid-run, with nothing cleaned up.
 */
import { existsSync, statfsSync, statSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_URL } from './endpoints';

const GB = 1e9;

/** Bytes free to an unprivileged writer on the filesystem holding `path`. */
const freeBytes = (path: string): number => {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
};

/** A table of the benchmark shapes takes up to ~1.3× the CSV bytes of its rows. */
const TABLE_FACTOR = 1.3;

export interface DiskNeeds {
  /** bench-data/: the CSV file and its clean copy when they are still to be generated. */
  files: number;
  /** The stored object (the directory store and s3rver both keep it on this machine). */
  object: number;
  /** psql's table, the pipeline's table, and the WAL up to max_wal_size. */
  database: number;
}

/** What one run at `size` bytes writes, by where it lands. */
export function diskNeedsOf(size: number, generating: boolean, maxWalBytes: number): DiskNeeds {
  return {
    files: generating ? 2 * size : 0,
    object: size,
    database: 2 * TABLE_FACTOR * size + maxWalBytes,
  };
}

/**
 * Throws, naming what needs the room, when the disk of `benchDir` (and of the server's data
 * directory, when it is on this machine) cannot take one run.
 */
export async function checkDiskSpace(
  benchDir: string,
  size: number,
  generating: boolean,
): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'bench-admin' });
  await admin.connect();
  const { rows } = await admin
    .query<{ dir: string; wal: string }>(
      `SELECT current_setting('data_directory') AS dir,
              pg_size_bytes(current_setting('max_wal_size'))::text AS wal`,
    )
    .finally(() => admin.end());
  const dataDir = rows[0]?.dir ?? '';
  const needs = diskNeedsOf(size, generating, Number(rows[0]?.wal ?? 0));
  const local = dataDir !== '' && existsSync(dataDir);
  const shared = local && statSync(dataDir).dev === statSync(benchDir).dev;
  const checks: { where: string; need: number; free: number }[] = [
    {
      where: benchDir,
      need: needs.files + needs.object + (shared ? needs.database : 0),
      free: freeBytes(benchDir),
    },
  ];
  if (local && !shared) {
    checks.push({ where: dataDir, need: needs.database, free: freeBytes(dataDir) });
  }
  const short = checks.filter((c) => c.need > c.free);
  if (short.length === 0) return;
  const parts =
    `file and clean copy ${(needs.files / GB).toFixed(1)} GB, stored object ` +
    `${(needs.object / GB).toFixed(1)} GB, two tables and WAL ${(needs.database / GB).toFixed(1)} GB`;
  throw new Error(
    short
      .map(
        (c) =>
          `not enough disk for this run on ${c.where}: needs ~${(c.need / GB).toFixed(1)} GB ` +
          `(${parts}), ${(c.free / GB).toFixed(1)} GB free`,
      )
      .join('; ') + ' — delete files in bench-data/ or run a smaller --size',
  );
}
