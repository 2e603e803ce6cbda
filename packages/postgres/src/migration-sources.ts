import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MigrationSource {
  file: string;
  sql: string;
}

/** The files of a migrations directory, as they are. */
export function readMigrationSources(directory: string): MigrationSource[] {
  return readdirSync(directory).map((file) => ({
    file,
    sql: readFileSync(join(directory, file), 'utf8'),
  }));
}

/**
 * The system's own migrations, read from packages/postgres/migrations at run
 * time. scripts/build.mjs replaces this module in service bundles with one
 * that returns the same files' text, so a bundle needs no files beside it.
 */
export function loadMigrationSources(): MigrationSource[] {
  return readMigrationSources(join(__dirname, '..', 'migrations'));
}
