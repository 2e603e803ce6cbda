/** The keys CLI (scripts/keys.ts) as an operator runs it: a real process on a real database. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type pg from 'pg';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('keys CLI', () => {
  let t: TestEnvironment;

  const keys = (...args: string[]) =>
    new Promise<Run>((done) => {
      execFile(
        TSX,
        ['scripts/keys.ts', ...args],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: t.databaseUrl } },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          done({ code, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    t = await createTestEnvironment();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it.each([
    [['create', 'Bad Name'], /not a valid tenant name: .*lowercase letters, digits and _/],
    [['create', 'acme', '--bogus', '1'], /Unknown option '--bogus'/],
    [['create', 'acme', '--rpm'], /--rpm/],
    [['create', 'acme', '--uploads', 'many'], /--uploads needs a positive whole number/],
    [['create'], /create takes <tenant>/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command given/],
  ])('refuses %j with exit code 2 and the usage', async (args, message) => {
    const run = await keys(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/usage: npm run keys -- create <tenant> .*--max-bytes N/);
    expect(run.stdout).toBe('');
  });

  it('creates keys with limits and lists them with their limits', async () => {
    const limited = await keys(
      'create',
      'acme',
      '--rpm',
      '30',
      '--uploads',
      '2',
      '--max-bytes',
      '1048576',
      '--label',
      'nightly',
    );
    expect(limited.code).toBe(0);
    expect(limited.stdout).toMatch(/^ingk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    const plain = await keys('create', 'acme');
    expect(plain.code).toBe(0);
    const idOf = (key: string) => key.split('_')[1];

    const list = await keys('list', 'acme');
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.replace(/\n$/, '').split('\n');
    expect(header).toBe('id\ttenant\tstate\trpm\tuploads\tmax-bytes\tlabel');
    expect(rows).toEqual([
      `${idOf(limited.stdout)}\tacme\tactive\t30\t2\t1048576\tnightly`,
      `${idOf(plain.stdout)}\tacme\tactive\tdefault\tdefault\tdefault\t`,
    ]);
  });

  describe('on a busy database', () => {
    /** The advisory lock migrate() takes (packages/postgres/src/migrate.ts). */
    const MIGRATION_LOCK = 724_311_905;
    let loader: pg.Client;
    let migrating: pg.Client;
    let migratingDone: Promise<unknown>;
    /** How long one run takes on an idle database (tsx start-up dominates on a loaded machine). */
    let idleRunMs: number;

    beforeAll(async () => {
      const started = Date.now();
      expect((await keys('create', 'busy')).code).toBe(0); // migrated, one key
      idleRunMs = Date.now() - started;
      const db = await t.db();
      await db.query('CREATE TABLE busy_target (id integer)');
      await db.end();
      // A loader's chunk transaction as it looks mid-COPY: it read ingest.jobs and writes the target.
      loader = await t.db();
      await loader.query('BEGIN');
      await loader.query('SELECT count(*) FROM ingest.jobs');
      await loader.query('LOCK TABLE busy_target IN ROW EXCLUSIVE MODE');
      // A service starting meanwhile: it holds the migration lock and its DDL queues behind the loader.
      migrating = await t.db();
      await migrating.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      migratingDone = migrating
        .query('LOCK TABLE ingest.jobs IN ACCESS EXCLUSIVE MODE')
        .catch(() => undefined);
    });
    afterAll(async () => {
      await loader?.query('ROLLBACK').catch(() => undefined);
      await migratingDone;
      await loader?.end();
      await migrating?.end();
    });

    it('answers promptly while a long transaction holds a target table and a migration waits', async () => {
      const started = Date.now();
      const list = await keys('list', 'busy');
      const elapsed = Date.now() - started;

      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/\tbusy\tactive\t/);
      // Before, it queued for the migration lock until its 30 s lock_timeout.
      expect(elapsed).toBeLessThan(idleRunMs + 8000);
      const waiting = await loader.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ingest-keys'",
      );
      expect(waiting.rows[0]?.n).toBe(0);
    });

    it('fails fast with a clear message when a migration is due and the lock is taken', async () => {
      const db = await t.db();
      const { rows } = await db.query<{ number: number; name: string; checksum: string }>(
        'DELETE FROM ingest.migrations WHERE number = (SELECT max(number) FROM ingest.migrations) RETURNING number, name, checksum',
      );
      try {
        const started = Date.now();
        const run = await keys('list', 'busy');
        const elapsed = Date.now() - started;

        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/keys: the database is busy: .*not granted within 5000 ms/);
        expect(run.stderr).toMatch(/apply migrations at deploy or service start/);
        expect(elapsed).toBeLessThan(idleRunMs + 5000 + 8000);
      } finally {
        const row = rows[0];
        if (row) {
          await db.query(
            'INSERT INTO ingest.migrations (number, name, checksum) VALUES ($1, $2, $3)',
            [row.number, row.name, row.checksum],
          );
        }
        await db.end();
      }
    });
  });
});
