import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEV_KEY_FILE = '.dev-api-key';

/** Where the API is and the key to send it. */
export interface Connection {
  url: string;
  key: string | null;
  /** Where the key came from, for messages ("--key", "CSV_INGEST_KEY", a file path). */
  keySource: string | null;
}

export interface ConnectionFlags {
  url?: string;
  key?: string;
}

/**
 * `.dev-api-key` in the working directory or the nearest parent holding one: the key
 * `npm start` makes for the local stack, found from anywhere inside the repository.
 */
export function findDevKeyFile(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, DEV_KEY_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Flags win over the environment, which wins over the local stack's defaults. */
export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Connection {
  const url = (flags.url ?? env.CSV_INGEST_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (flags.key !== undefined) return { url, key: flags.key, keySource: '--key' };
  if (env.CSV_INGEST_KEY !== undefined && env.CSV_INGEST_KEY !== '') {
    return { url, key: env.CSV_INGEST_KEY, keySource: 'CSV_INGEST_KEY' };
  }
  const file = findDevKeyFile(cwd);
  if (file === null) return { url, key: null, keySource: null };
  const key = readFileSync(file, 'utf8').trim();
  return { url, key: key === '' ? null : key, keySource: file };
}
