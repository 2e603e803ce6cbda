/**
 * A service started with NODE_ENV=production and no secrets of its own exits before it
 * connects to anything, naming what to set (the image sets NODE_ENV=production).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/** The environment of a fresh container: no settings of the system's own, except those given. */
const bareEnv = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  ...extra,
});

const start = (service: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stderr: string }>((done) => {
    execFile(
      TSX,
      [`services/${service}/src/main.ts`],
      { cwd: ROOT, env: bareEnv(env), timeout: 60_000 },
      (error, _stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        done({ code, stderr });
      },
    );
  });

describe('secrets in production', () => {
  it.each([
    ['notifier', ['WEBHOOK_SECRET', 'WEBHOOK_ENCRYPTION_KEY']],
    ['gateway', ['WEBHOOK_ENCRYPTION_KEY']],
  ])('the %s refuses to start without its own %j', async (service, names) => {
    const run = await start(service, { NODE_ENV: 'production' });
    expect(run.code).toBe(78); // EX_CONFIG
    for (const name of names) {
      expect(run.stderr).toMatch(new RegExp(`${name}: must be set to a secret of your own`));
    }
  });

  it('the notifier refuses the public development secret set explicitly', async () => {
    const run = await start('notifier', {
      NODE_ENV: 'production',
      WEBHOOK_SECRET: 'whsec_ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLXNlY3JldA==',
      WEBHOOK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/WEBHOOK_SECRET: must be set to a secret of your own/);
    expect(run.stderr).not.toMatch(/WEBHOOK_ENCRYPTION_KEY/);
  });
});
