import { loadMigrationSources, type MigrationSource } from './migration-sources';

/** One numbered migration: `000001_initial.sql` is number 1, name `initial`. */
export interface MigrationFile {
  number: number;
  name: string;
  sql: string;
}

const FILE_NAME = /^(\d{6})_([a-z0-9_]+)\.sql$/;

/**
 * Migrations in order, numbered 1, 2, … without gaps. Any other file name is
 * an error rather than skipped, so a misnamed migration is never silently left out.
 */
export function parseMigrationFiles(sources: readonly MigrationSource[]): MigrationFile[] {
  const files = sources.map(({ file, sql }) => {
    const m = FILE_NAME.exec(file);
    if (!m) throw new Error(`migrations: "${file}" is not named NNNNNN_name.sql`);
    return { number: Number(m[1]), name: m[2] as string, sql };
  });
  files.sort((a, b) => a.number - b.number);
  files.forEach((f, i) => {
    if (f.number !== i + 1) {
      throw new Error(`migrations: expected number ${i + 1}, found ${f.number}`);
    }
  });
  return files;
}

/** The system's own migrations (packages/postgres/migrations). */
export function readMigrationFiles(): MigrationFile[] {
  return parseMigrationFiles(loadMigrationSources());
}
