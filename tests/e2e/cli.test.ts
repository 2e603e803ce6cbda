import type { JobView } from '@ingest/contracts';
import { useTestSystem, writePeopleCsvFile } from '@ingest/testing';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  buildCli,
  CLI_BUNDLE,
  cliHome,
  runCli,
  runCommand,
  shellQuote,
  type CliOptions,
} from '../support/cli-process';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** A port nothing listens on: one the system just gave out and took back. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

const jobIdIn = (text: string): string => {
  const m = new RegExp(`job (${UUID.source})`).exec(text);
  if (m?.[1] === undefined) throw new Error(`no job id in: ${text}`);
  return m[1];
};

describe('csv-ingest CLI: uploads and follows jobs against a running system', () => {
  const ctx = useTestSystem({}, { loaders: 1, notifier: false });
  const home = cliHome();
  const cli = (args: string[], options: CliOptions = {}) =>
    runCli(home, args, {
      ...options,
      env: {
        CSV_INGEST_URL: ctx.system.baseUrl,
        CSV_INGEST_KEY: ctx.system.apiKey,
        ...options.env,
      },
    });
  const file = (name: string, text: string) => {
    const path = join(home, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    await buildCli();
  });

  it('upload --wait of a small file exits 0, printing the job id, the rows loaded and the table', async () => {
    const csv = writePeopleCsvFile(join(home, 'people.csv'), 2000);
    const run = await cli(['upload', csv.path, '--table', 'cli_people', '--wait']);
    expect(run.stderr).not.toContain('csv-ingest:');
    expect(run.code).toBe(0);
    const id = jobIdIn(run.stdout);
    expect(run.stdout).toContain(`job ${id} completed`);
    expect(run.stdout).toContain('rows: 2,000 loaded, 0 rejected');
    // The tenant's schema names where the rows are.
    expect(run.stdout).toContain('rows are in table "t_default.cli_people"');
    // stderr is a pipe here: plain progress lines, the last ones at 100 %.
    expect(run.stderr).toContain(`job ${id}`);
    expect(run.stderr).toMatch(/^upload 100% .*\/ .*ETA/m);
    expect(run.stderr).toMatch(/^load 100% 1\/1 chunks, 2,000 rows loaded, 0 rejected, ETA/m);
    const { rows } = await ctx.db.query(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('cli_people')}`,
    );
    expect(rows[0].n).toBe(2000);
  });

  it('draws two progress bars on a terminal (run under script(1), which gives it a pty)', async () => {
    const csv = writePeopleCsvFile(join(home, 'people-tty.csv'), 500);
    const command = [
      process.execPath,
      CLI_BUNDLE,
      'upload',
      csv.path,
      '--table',
      'cli_tty',
      '--wait',
    ];
    const run = await runCommand(
      home,
      'script',
      ['-qefc', command.map(shellQuote).join(' '), '/dev/null'],
      {
        CSV_INGEST_URL: ctx.system.baseUrl,
        CSV_INGEST_KEY: ctx.system.apiKey,
      },
    );
    expect(run.code).toBe(0);
    // Bars are redrawn in place: carriage returns / cursor moves, the bar's block characters.
    expect(run.stdout).toMatch(/upload \u2588{20} 100% (\d+\.\d KiB) \/ \1 .* ETA 0s/);
    expect(run.stdout).toMatch(
      /load {3}\u2588{20} 100% 1\/1 chunks, 500 rows loaded, 0 rejected, ETA/,
    );
    expect(run.stdout).toMatch(/job \S+ completed in /);
    expect(run.stdout).not.toMatch(/^upload \d+% /m); // no plain lines on a terminal
  });

  it('prints the top reject reasons, and rejects --csv gives back the header and the bad records', async () => {
    const schema = file(
      'scores.json',
      JSON.stringify({
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'score', type: 'integer' },
        ],
      }),
    );
    const csv = file('scores.csv', 'id,score\n1,10\n2,ten\n3,30,extra\n4,x\n5,50\n');
    const run = await cli(['upload', csv, '--table', 'cli_scores', '--schema', schema, '--wait']);
    expect(run.code).toBe(0);
    const id = jobIdIn(run.stdout);
    expect(run.stdout).toContain('rows: 2 loaded, 3 rejected');
    expect(run.stdout).toMatch(/top reject reasons: INVALID_INTEGER ×2, TOO_MANY_FIELDS ×1/);
    expect(run.stdout).toContain(`csv-ingest rejects ${id} --csv`);

    const asCsv = await cli(['rejects', id, '--csv']);
    expect(asCsv.code).toBe(0);
    expect(asCsv.stdout).toBe('id,score\n2,ten\n3,30,extra\n4,x\n');

    const asJson = await cli(['rejects', id, '--json']);
    const page = JSON.parse(asJson.stdout) as { rejects: { line: number; code: string }[] };
    expect(page.rejects.map((r) => [r.line, r.code])).toEqual([
      [3, 'INVALID_INTEGER'],
      [4, 'TOO_MANY_FIELDS'],
      [5, 'INVALID_INTEGER'],
    ]);
    const asTable = await cli(['rejects', id]);
    expect(asTable.stdout.split('\n')[0]).toMatch(/^LINE +COLUMN +CODE +MESSAGE$/);
    expect(asTable.stdout).toMatch(/^4 +- +TOO_MANY_FIELDS /m);
  });

  it('status and jobs --json print the job views', async () => {
    const csv = file('tiny.csv', 'a,b\n1,2\n');
    const upload = await cli(['upload', csv, '--table', 'cli_tiny', '--wait', '--json']);
    expect(upload.code).toBe(0);
    const uploaded = JSON.parse(upload.stdout) as JobView;
    expect(uploaded).toMatchObject({
      status: 'completed',
      table: 't_default.cli_tiny',
      rows: { loaded: 1 },
    });

    const status = await cli(['status', uploaded.id, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: uploaded.id, status: 'completed' });

    const human = await cli(['status', uploaded.id]);
    expect(human.stdout).toMatch(/^status +completed$/m);
    expect(human.stdout).toMatch(/^rows +1 loaded, 0 rejected$/m);

    const jobs = await cli(['jobs', '--status', 'completed', '--json']);
    expect(jobs.code).toBe(0);
    const page = JSON.parse(jobs.stdout) as { jobs: JobView[] };
    expect(page.jobs.map((j) => j.id)).toContain(uploaded.id);
    expect(page.jobs.every((j) => j.status === 'completed')).toBe(true);

    const table = await cli(['jobs', '--limit', '1']);
    expect(table.stdout).toMatch(/^ID +STATUS +TABLE +LOADED +REJECTED +CREATED$/m);
    expect(table.stdout).toContain(uploaded.id);
    expect(table.stdout).toMatch(/^more: csv-ingest jobs --cursor \S+$/m);
  });

  it('a failed job exits 1 with its error', async () => {
    const csv = file('bad.csv', 'id,n\n1,x\n2,y\n3,z\n');
    const schema = file(
      'bad.json',
      JSON.stringify({
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'n', type: 'integer' },
        ],
      }),
    );
    const run = await cli([
      'upload',
      csv,
      '--table',
      'cli_bad',
      '--schema',
      schema,
      '--max-rejects',
      '1',
      '--wait',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^job \S+ failed in /m);
    expect(run.stdout).toMatch(/^error: REJECT_BUDGET_EXCEEDED: /m);
  });

  it('bad usage exits 2 before anything is sent', async () => {
    const csv = file('usage.csv', 'a\n1\n');
    const cases: [string[], RegExp][] = [
      [['upload', csv], /required option '--table <name>' not specified/],
      [['upload', csv, '--table', 't', '--mode', 'merge'], /argument 'merge' is invalid/],
      [
        ['upload', csv, '--table', 't', '--schema', 'x.json', '--dataset', 'd'],
        /cannot be used with option '--dataset/,
      ],
      [['upload', join(home, 'missing.csv'), '--table', 't'], /cannot read .*missing\.csv: ENOENT/],
      [['upload', csv, '--table', 't', '--schema', csv], /is not JSON/],
      [['jobs', '--status', 'done'], /argument 'done' is invalid/],
      [['jobs', '--limit', '0'], /must be a whole number from 1 to 200/],
      [['status'], /missing required argument 'job'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    const before = await ctx.db.query('SELECT count(*)::int AS n FROM ingest.jobs');
    expect(before.rows[0].n).toBeGreaterThan(0);
    const noKey = await runCli(home, ['jobs'], { env: { CSV_INGEST_URL: ctx.system.baseUrl } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key');
  });

  it('a wrong key is a clear message and exit 1, for uploads and reads alike', async () => {
    const csv = file('wrong-key.csv', 'a\n1\n');
    for (const args of [
      ['upload', csv, '--table', 'cli_wrong'],
      ['status', '00000000-0000-4000-8000-000000000000'],
      ['jobs'],
    ]) {
      const run = await cli([...args, '--key', 'not-a-key']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^csv-ingest: the API key was refused \(UNAUTHENTICATED: .*\); pass --key or set CSV_INGEST_KEY$/m,
      );
    }
    const { rows } = await ctx.db.query(
      `SELECT count(*)::int AS n FROM ingest.jobs WHERE table_name LIKE '%cli_wrong'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('an unknown job and an unreachable server exit 1 saying so', async () => {
    const unknown = await cli(['status', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/JOB_NOT_FOUND, HTTP 404/);
    const port = await closedPort();
    const away = await cli(['jobs'], { env: { CSV_INGEST_URL: `http://127.0.0.1:${port}` } });
    expect(away.code).toBe(1);
    expect(away.stderr).toContain(`cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
  });
});

describe('csv-ingest CLI: cancel and datasets (no workers: jobs stay stored)', () => {
  const ctx = useTestSystem({}, { loaders: 0, splitter: false, notifier: false });
  const home = cliHome();
  const cli = (args: string[], options: CliOptions = {}) =>
    runCli(home, args, {
      ...options,
      env: { CSV_INGEST_URL: ctx.system.baseUrl, CSV_INGEST_KEY: ctx.system.apiKey },
    });

  beforeAll(async () => {
    await buildCli();
  });

  it('upload without --wait prints the job id; cancel --json cancels it; a second cancel exits 1', async () => {
    const csv = join(home, 'pending.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    const upload = await cli(['upload', csv, '--table', 'cli_pending']);
    expect(upload.code).toBe(0);
    const id = jobIdIn(upload.stdout);
    expect(upload.stdout).toContain(`job ${id} stored`);

    const cancel = await cli(['cancel', id, '--json']);
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id, status: 'cancelled' });

    const again = await cli(['cancel', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(JOB_ALREADY_ENDED, HTTP 409\)/);
  });

  it('upload --wait follows the job over SSE and exits 1 when it is cancelled meanwhile', async () => {
    const csv = join(home, 'followed.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    let cancelled: Promise<Response> | null = null;
    const run = await cli(['upload', csv, '--table', 'cli_followed', '--wait'], {
      onStderr: (text) => {
        const m = new RegExp(`job (${UUID.source})`).exec(text);
        if (m?.[1] !== undefined && cancelled === null) {
          cancelled = ctx.system.fetch(`/v1/jobs/${m[1]}/cancel`, { method: 'POST' });
        }
      },
    });
    expect(cancelled).not.toBeNull();
    expect((await cancelled!).status).toBe(202);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^job \S+ cancelled in /m);
  });

  it('Ctrl-C while following a job exits 130, leaves the job running and says how to look at it', async () => {
    const csv = join(home, 'interrupted.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    const run = await cli(['upload', csv, '--table', 'cli_interrupted', '--wait'], {
      onStderr: (text, child) => {
        if (/^load /m.test(text)) child.kill('SIGINT');
      },
    });
    expect(run.code).toBe(130);
    const id = jobIdIn(run.stderr);
    expect(run.stderr).toContain(`interrupted: job ${id} goes on (csv-ingest status ${id})`);
    const view = (await (await ctx.system.fetch(`/v1/jobs/${id}`)).json()) as JobView;
    expect(view.status).toBe('stored');
  });

  it('datasets put, get, list and delete; upload --dataset loads with it', async () => {
    const schemaFile = join(home, 'people.schema.json');
    writeFileSync(schemaFile, JSON.stringify({ columns: [{ name: 'id', type: 'bigint' }] }));
    const put = await cli(['datasets', 'put', 'people', schemaFile, '--json']);
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({
      name: 'people',
      schema: { columns: [{ name: 'id', type: 'bigint' }] },
    });

    const got = await cli(['datasets', 'get', 'people']);
    expect(JSON.parse(got.stdout)).toMatchObject({ columns: [{ name: 'id', type: 'bigint' }] });

    const list = await cli(['datasets', 'list']);
    expect(list.stdout).toMatch(/^people +1 +\S+$/m);

    const csv = join(home, 'ids.csv');
    writeFileSync(csv, 'id\n1\n');
    const upload = await cli([
      'upload',
      csv,
      '--table',
      'cli_ids',
      '--dataset',
      'people',
      '--json',
    ]);
    expect(upload.code).toBe(0);
    expect(JSON.parse(upload.stdout)).toMatchObject({ schema_source: 'dataset' });

    const removed = await cli(['datasets', 'delete', 'people', '--json']);
    expect(JSON.parse(removed.stdout)).toEqual({ name: 'people', deleted: true });
    const gone = await cli(['datasets', 'get', 'people']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/DATASET_NOT_FOUND, HTTP 404/);
  });
});
