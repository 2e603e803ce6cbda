/**
 * API key administration:
 *   npm run keys -- create <tenant> [--label TEXT] [--rpm N] [--uploads N] [--max-bytes N]
 *   npm run keys -- revoke <key-id>
 *   npm run keys -- list [tenant]
 *   npm run keys -- ensure-dev <file>   (a key for tenant "dev", created once, kept in <file>)
 * Uses DATABASE_URL; creates the system's tables first if they are missing.
 */
import { ApiKeyRepository } from '@ingest/access';
import { createPool, migrate } from '@ingest/postgres';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const usage = `usage: npm run keys -- create <tenant> [--label TEXT] [--rpm N] [--uploads N] [--max-bytes N]
       npm run keys -- revoke <key-id>
       npm run keys -- list [tenant]
       npm run keys -- ensure-dev <file>`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function intFlag(args: string[], name: string): number | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
  return n;
}

async function main(args: string[]): Promise<number> {
  const [command, target] = args;
  const pool = createPool({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ingest',
    applicationName: 'ingest-keys',
    max: 1,
  });
  try {
    await migrate(pool);
    const keys = new ApiKeyRepository(pool);
    switch (command ?? '') {
      case 'create': {
        if (!target) break;
        const { key, info } = await keys.create(target, {
          label: flag(args, '--label'),
          limits: {
            maxRequestsPerMinute: intFlag(args, '--rpm'),
            maxConcurrentUploads: intFlag(args, '--uploads'),
            maxUploadBytes: intFlag(args, '--max-bytes'),
          },
        });
        process.stderr.write(`created key ${info.id} for tenant "${info.tenant}" (shown once):\n`);
        process.stdout.write(`${key}\n`);
        return 0;
      }
      case 'revoke': {
        if (!target) break;
        if (await keys.revoke(target)) {
          process.stdout.write(`revoked ${target}\n`);
          return 0;
        }
        process.stderr.write(`no active key ${target}\n`);
        return 1;
      }
      case 'list': {
        for (const k of await keys.list(target)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          process.stdout.write(`${k.id}\t${k.tenant}\t${state}\t${k.label ?? ''}\n`);
        }
        return 0;
      }
      case 'ensure-dev': {
        if (!target) break;
        if (existsSync(target)) {
          const existing = readFileSync(target, 'utf8').trim();
          if (await keys.verify(existing)) {
            process.stdout.write(`${existing}\n`);
            return 0;
          }
        }
        const { key } = await keys.create('dev', { label: 'local development (npm start)' });
        writeFileSync(target, `${key}\n`, { mode: 0o600 });
        process.stdout.write(`${key}\n`);
        return 0;
      }
      default:
        break;
    }
    process.stderr.write(`${usage}\n`);
    return 2;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`keys: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
