import { useTestSystem, writePeopleCsvFile } from '@ingest/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli, cliHome, runCli, type CliOptions } from '../support/cli-process';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const jobIdIn = (text: string): string => {
  const m = new RegExp(`job (${UUID.source})`).exec(text);
  if (m?.[1] === undefined) throw new Error(`no job id in: ${text}`);
  return m[1];
};

/**
 * The CLI's tus transport against the gateway's tus endpoint: chosen by OPTIONS, options as
 * Upload-Metadata, and a run killed mid-upload resumed by running the same command again.
 */
describe('csv-ingest CLI over tus (/v1/uploads)', () => {
  const ctx = useTestSystem(
    { GATEWAY_TUS_SEGMENT_BYTES: '65536' },
    { loaders: 1, notifier: false },
  );
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
  const uploadsOf = async (id: string) =>
    (
      await ctx.db.query<{
        upload_offset: string;
        length: string;
        metadata: Record<string, string>;
      }>('SELECT upload_offset, length, metadata FROM ingest.resumable_uploads WHERE job_id = $1', [
        id,
      ])
    ).rows;

  beforeAll(async () => {
    await buildCli();
  });

  it('upload --wait goes over tus when the gateway speaks it, with the options as Upload-Metadata', async () => {
    const csv = writePeopleCsvFile(join(home, 'people.csv'), 3000);
    const run = await cli([
      'upload',
      csv.path,
      '--table',
      'tus_cli_people',
      '--chunk-size',
      '64KiB',
      '--wait',
    ]);
    expect(run.stderr).not.toContain('csv-ingest:');
    expect(run.code).toBe(0);
    const id = jobIdIn(run.stdout);
    expect(run.stdout).toContain('rows: 3,000 loaded, 0 rejected');
    const [upload] = await uploadsOf(id);
    expect(upload).toMatchObject({
      metadata: { filename: 'people.csv', table: 'tus_cli_people', chunk_size: '64KiB' },
    });
    expect(Number(upload?.upload_offset)).toBe(csv.bytes);
    // Finished: the stored upload URL is gone, a new run makes a new upload.
    expect(
      JSON.parse(readFileSync(join(home, 'config', 'csv-ingest', 'uploads.json'), 'utf8')),
    ).toEqual({});
  });

  it('sends --schema as the schema metadata', async () => {
    const csv = join(home, 'typed.csv');
    writeFileSync(csv, 'id,n\n1,2\n2,x\n');
    const schema = join(home, 'typed.json');
    writeFileSync(
      schema,
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
      'tus_typed',
      '--schema',
      schema,
      '--wait',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      schema_source: 'declared',
      rows: { loaded: 1, rejected: 1 },
    });
  });

  it('a run killed mid-upload is resumed by running the same command again: same job, every row once', async () => {
    const csv = writePeopleCsvFile(join(home, 'big.csv'), 400_000);
    const args = ['upload', csv.path, '--table', 'tus_cli_big', '--wait'];
    // Killed once the gateway has stored a fifth of the file (its offset, polled), mid-PATCH.
    let polling: Promise<void> = Promise.resolve();
    let watching = false;
    let killedAtOffset = 0;
    const first = await cli(args, {
      onStderr: (text, child) => {
        const m = new RegExp(`job (${UUID.source})`).exec(text);
        if (m?.[1] === undefined || watching) return;
        watching = true;
        const jobId = m[1];
        polling = (async () => {
          while (child.exitCode === null && child.signalCode === null) {
            const [row] = await uploadsOf(jobId);
            const offset = Number(row?.upload_offset ?? 0);
            if (offset >= csv.bytes / 5) {
              killedAtOffset = offset;
              child.kill('SIGKILL');
              return;
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
      },
    });
    await polling;
    expect(first.signal).toBe('SIGKILL');
    const id = jobIdIn(first.stderr);
    const [partial] = await uploadsOf(id);
    expect(killedAtOffset).toBeGreaterThan(0);
    expect(Number(partial?.upload_offset)).toBeLessThan(csv.bytes);

    const second = await cli(args);
    expect(second.stderr).toContain('resumed an earlier upload of big.csv');
    // It went on from the offset the gateway confirmed: its first progress line is past it.
    const firstPercent = Number(/^upload (\d+)% /m.exec(second.stderr)?.[1]);
    expect(firstPercent).toBeGreaterThanOrEqual(Math.floor((killedAtOffset * 100) / csv.bytes));
    expect(second.code).toBe(0);
    expect(jobIdIn(second.stdout)).toBe(id);
    expect(second.stdout).toContain('rows: 400,000 loaded, 0 rejected');
    const { rows } = await ctx.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${ctx.system.table('tus_cli_big')}`,
    );
    expect(rows[0]).toEqual({ n: 400_000, d: 400_000 });
  });

  it('a wrong key is refused at creation: exit 1 with the message', async () => {
    const csv = writePeopleCsvFile(join(home, 'small.csv'), 10);
    const run = await cli(['upload', csv.path, '--table', 'tus_wrong', '--key', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the API key was refused \(UNAUTHENTICATED/);
  });

  it('a bad option is refused at creation, naming the metadata key', async () => {
    const csv = writePeopleCsvFile(join(home, 'small2.csv'), 10);
    const run = await cli(['upload', csv.path, '--table', 'tus_bad', '--chunk-size', 'huge']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/chunk_size.*VALIDATION_FAILED, HTTP 400/);
  });
});
