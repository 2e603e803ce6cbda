/**
 * API key administration (`npm run keys -- <command> …`; `usage` below lists the commands).
 * Uses DATABASE_URL; creates the system's tables first if they are missing. It never queues
 * behind a busy database: an up-to-date schema is only read (no migration lock), and every lock
 * it needs is waited for at most KEYS_LOCK_TIMEOUT_MS before it gives up with a message.
 *
 * Each command is one entry of COMMANDS: its usage line, its flags (anything else is refused
 * with the usage) and how it runs. Arguments are checked before the database is touched.
 */
import {
  ApiKeyRepository,
  schemaNameProblem,
  TenantSchemaError,
  TenantSchemas,
  tenantNameProblem,
  type ApiKeyInfo,
} from '@ingest/access';
import { createPool, migrateIfBehind } from '@ingest/postgres';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command runs against: the keys, and which schema holds each tenant's tables. */
interface Admin {
  keys: ApiKeyRepository;
  tenants: TenantSchemas;
}

interface Command {
  /** Arguments after the command name, as the usage shows them. */
  synopsis: string;
  /** What the command does, when its synopsis does not say. */
  about?: string;
  options: Options;
  /** Required positional arguments, then the most allowed. */
  positionals: [min: number, max: number];
  /** Checks the arguments (throwing a UsageError) and returns what runs against the database. */
  prepare(args: string[], values: Values): (admin: Admin) => Promise<number>;
}

/** A mistake in the command line: reported with the usage, exit code 2. */
class UsageError extends Error {}

const print = (text: string) => process.stdout.write(`${text}\n`);

function positiveInt(values: Values, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${name} needs a positive whole number, not "${String(value)}"`);
  }
  return n;
}

function tenant(name: string | undefined): string {
  const problem = tenantNameProblem(name ?? '');
  if (problem) throw new UsageError(problem);
  return name ?? '';
}

/** A key's own limit, or what the deployment's default means for it. */
const limitText = (n: number | null) => (n === null ? 'default' : String(n));

const keyLine = (k: ApiKeyInfo) =>
  [
    k.id,
    k.tenant,
    k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
    limitText(k.limits.maxRequestsPerMinute),
    limitText(k.limits.maxConcurrentUploads),
    limitText(k.limits.maxUploadBytes),
    k.label ?? '',
  ].join('\t');

const COMMANDS: Record<string, Command> = {
  create: {
    synopsis: '<tenant> [--label TEXT] [--rpm N] [--uploads N] [--max-bytes N]',
    options: {
      label: { type: 'string' },
      rpm: { type: 'string' },
      uploads: { type: 'string' },
      'max-bytes': { type: 'string' },
    },
    positionals: [1, 1],
    prepare([name], values) {
      const owner = tenant(name);
      const label = typeof values.label === 'string' ? values.label : undefined;
      const limits = {
        maxRequestsPerMinute: positiveInt(values, 'rpm'),
        maxConcurrentUploads: positiveInt(values, 'uploads'),
        maxUploadBytes: positiveInt(values, 'max-bytes'),
      };
      return async ({ keys }) => {
        const { key, info } = await keys.create(owner, { label, limits });
        process.stderr.write(`created key ${info.id} for tenant "${info.tenant}" (shown once):\n`);
        print(key);
        return 0;
      };
    },
  },
  revoke: {
    synopsis: '<key-id>',
    options: {},
    positionals: [1, 1],
    prepare([id = '']) {
      return async ({ keys }) => {
        if (await keys.revoke(id)) {
          print(`revoked ${id}`);
          return 0;
        }
        process.stderr.write(`no active key ${id}\n`);
        return 1;
      };
    },
  },
  list: {
    synopsis: '[tenant]',
    options: {},
    positionals: [0, 1],
    // Filters only: names made before tenant names were checked are still listed.
    prepare([owner]) {
      return async ({ keys }) => {
        print(['id', 'tenant', 'state', 'rpm', 'uploads', 'max-bytes', 'label'].join('\t'));
        for (const k of await keys.list(owner)) print(keyLine(k));
        return 0;
      };
    },
  },
  'ensure-dev': {
    synopsis: '<file>',
    about: 'a key for tenant "dev", created once, kept in <file>',
    options: {},
    positionals: [1, 1],
    prepare([file = '']) {
      return async ({ keys }) => {
        if (existsSync(file)) {
          const existing = readFileSync(file, 'utf8').trim();
          if (await keys.verify(existing)) {
            print(existing);
            return 0;
          }
        }
        const { key } = await keys.create('dev', { label: 'local development (npm start)' });
        writeFileSync(file, `${key}\n`, { mode: 0o600 });
        print(key);
        return 0;
      };
    },
  },
  tenant: {
    synopsis: 'set-schema <tenant> <schema> [--share]  |  list',
    about: "which PostgreSQL schema holds a tenant's tables",
    options: { share: { type: 'boolean' } },
    positionals: [1, 3],
    prepare([action, name, schema], values) {
      if (action === 'list') {
        if (name !== undefined || values.share !== undefined) {
          throw new UsageError('tenant list takes no arguments');
        }
        return async ({ tenants }) => {
          print(['tenant', 'schema', 'set_by'].join('\t'));
          for (const t of await tenants.list()) print([t.tenant, t.schema, t.setBy].join('\t'));
          return 0;
        };
      }
      if (action !== 'set-schema') {
        throw new UsageError(`tenant: unknown action "${action ?? ''}" (set-schema or list)`);
      }
      const owner = tenant(name);
      if (schema === undefined) throw new UsageError('tenant set-schema takes <tenant> <schema>');
      const problem = schemaNameProblem(schema);
      if (problem) throw new UsageError(problem);
      const share = values.share === true;
      return async ({ tenants }) => {
        try {
          const set = await tenants.setSchema(owner, schema, { share });
          print(`tenant "${set.tenant}" now loads into schema "${set.schema}"`);
          return 0;
        } catch (e) {
          if (!(e instanceof TenantSchemaError)) throw e;
          process.stderr.write(`keys: ${e.message}\n`);
          return 1;
        }
      };
    },
  },
};

const usage = [
  ...Object.entries(COMMANDS).map(
    ([name, c], i) =>
      `${i === 0 ? 'usage: ' : '       '}npm run keys -- ${name} ${c.synopsis}${c.about ? `   (${c.about})` : ''}`,
  ),
  'Limits a key does not set (rpm: requests per minute, uploads: concurrent uploads,',
  'max-bytes: largest upload) follow the deployment; `list` shows them as "default".',
  'A tenant loads into schema t_<tenant> (created on first use) unless set-schema points it at',
  'an existing schema; --share allows a schema another tenant already uses.',
].join('\n');

/** The command line → what to run; a UsageError for anything it does not take. */
function parseCommandLine(argv: string[]): (admin: Admin) => Promise<number> {
  const [name = '', ...rest] = argv;
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command)
    throw new UsageError(name === '' ? 'no command given' : `unknown command "${name}"`);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    // node:util rejects unknown flags and flags without their value.
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
  const [min, max] = command.positionals;
  const count = parsed.positionals.length;
  if (count < min || count > max) {
    throw new UsageError(`${name} takes ${command.synopsis}`);
  }
  return command.prepare(parsed.positionals, parsed.values);
}

/** How long the CLI waits for any lock before it gives up with a message. */
const KEYS_LOCK_TIMEOUT_MS = 5000;

async function main(argv: string[]): Promise<number> {
  let run: (admin: Admin) => Promise<number>;
  try {
    run = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`keys: ${e.message}\n${usage}\n`);
    return 2;
  }
  const pool = createPool({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ingest',
    applicationName: 'ingest-keys',
    max: 1,
    // The key statements give up on a lock rather than wait behind a long transaction.
    sessionTimeouts: { lockMs: KEYS_LOCK_TIMEOUT_MS },
  });
  try {
    // Never queue behind a busy database: migrations are checked without locks, and applied
    // (with a short lock timeout) only when the database is behind.
    await migrateIfBehind(pool, { lockTimeoutMs: KEYS_LOCK_TIMEOUT_MS });
    return await run({ keys: new ApiKeyRepository(pool), tenants: new TenantSchemas(pool) });
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
