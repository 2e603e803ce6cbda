/** The keys CLI (scripts/keys.ts) as an operator runs it: a real process on a real database. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
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
});
