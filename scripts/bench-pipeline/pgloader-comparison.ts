/**
 * pgloader as a peer (--peers pgloader, or --pgloader): it loads the raw file,
 * converting the shape's columns itself (its field options), when installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileShape } from './file-shapes';
import { PeerLog, runLogged, type Peer } from './peer-process';

function onPath(command: string): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0
  );
}

/** pgloader's load command for the raw file, with the shape's conversions. */
function pgloaderCommand(
  shape: FileShape,
  file: string,
  databaseUrl: string,
  tableName: string,
): string {
  // The password, if any, goes in PGPASSWORD (a URL's escaping is not pgloader's).
  const url = new URL(databaseUrl);
  const target = `postgresql://${url.username || 'postgres'}@${url.host}${url.pathname}`;
  const options = shape.pgloaderFields;
  const names = shape.schema.columns.map((c) => `"${c.name}"`);
  const fields = shape.schema.columns.map((c) =>
    options[c.name] ? `"${c.name}" ${options[c.name]}` : `"${c.name}"`,
  );
  return [
    'LOAD CSV',
    `     FROM '${file}' WITH ENCODING utf-8`,
    `          HAVING FIELDS (${fields.join(', ')})`,
    `     INTO ${target}`,
    `          TARGET TABLE public.${tableName}`,
    `          TARGET COLUMNS (${names.join(', ')})`,
    '     WITH skip header = 1,',
    `          fields optionally enclosed by '"',`,
    '          fields escaped by double-quote,',
    "          fields terminated by ','",
    ';',
    '',
  ].join('\n');
}

export const pgloaderPeer: Peer = {
  name: 'pgloader',
  unavailable: () => (onPath('pgloader') ? null : 'not installed (apt-get install pgloader)'),
  async load(run, file, table) {
    const { databaseUrl, logDir } = run;
    const loadFile = join(logDir, 'pgloader.load');
    writeFileSync(loadFile, pgloaderCommand(run.shape, file, databaseUrl, table));
    const output = new PeerLog(run, 'pgloader');
    const password = decodeURIComponent(new URL(databaseUrl).password);
    const env = { ...process.env, PGPASSWORD: password || undefined };
    const rootDir = join(logDir, 'pgloader'); // its own logs and reject files
    mkdirSync(rootDir, { recursive: true });
    const t0 = performance.now();
    const code = await runLogged(run, output, 'pgloader', ['--root-dir', rootDir, loadFile], env);
    const seconds = (performance.now() - t0) / 1000;
    return { name: 'pgloader', table, seconds, code, tail: await output.close() };
  },
};
