import {
  gatewayEnvSchema,
  loaderEnvSchema,
  notifierEnvSchema,
  parseEnv,
  splitterEnvSchema,
  type Service,
} from '@ingest/config';
import { buildGateway } from '@ingest/gateway';
import { buildLoader } from '@ingest/loader';
import { buildNotifier } from '@ingest/notifier';
import { buildSplitter } from '@ingest/splitter';
import type { JobView } from '@ingest/contracts';
import { ApiKeyRepository, defaultSchemaName, type KeyLimits } from '@ingest/access';
import { createPool, qualifiedName, quoteIdent } from '@ingest/postgres';

export interface RunningSystem {
  baseUrl: string;
  /** An API key of tenant "default", created at start. */
  apiKey: string;
  /**
   * The schema tenant "default" loads into (`t_default`), created at start so a
   * suite can prepare tables before the first upload.
   */
  schema: string;
  /** `"t_default"."<table>"`: a table of tenant "default", for SQL. */
  table(name: string): string;
  /** `fetch` against the gateway with the API key set (a path, or a full URL). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Another tenant's key, for isolation tests. */
  createApiKey(tenant: string, limits?: Partial<KeyLimits>): Promise<string>;
  stop(): Promise<void>;
  /** Polls the job until it reaches a terminal status (or the timeout). */
  waitForJob(id: string, timeoutMs?: number): Promise<JobView>;
}

export interface SystemShape {
  loaders?: number;
  splitter?: boolean;
  notifier?: boolean;
}

/** Starts the four services in this process against the given environment. */
export async function startSystem(
  env: Record<string, string>,
  shape: SystemShape = {},
): Promise<RunningSystem> {
  const gateway = buildGateway(parseEnv(gatewayEnvSchema, env));
  const workers: Service[] = [];
  if (shape.splitter !== false) workers.push(buildSplitter(parseEnv(splitterEnvSchema, env)));
  for (let i = 0; i < (shape.loaders ?? 2); i++)
    workers.push(buildLoader(parseEnv(loaderEnvSchema, env)));
  if (shape.notifier !== false) workers.push(buildNotifier(parseEnv(notifierEnvSchema, env)));
  const { port } = await gateway.start();
  for (const w of workers) await w.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const pool = createPool({
    connectionString: env.DATABASE_URL ?? '',
    applicationName: 'ingest-test',
    max: 1,
  });
  const keys = new ApiKeyRepository(pool);
  const createApiKey = async (tenant: string, limits: Partial<KeyLimits> = {}) =>
    (await keys.create(tenant, { label: 'test', limits })).key;
  const apiKey = await createApiKey('default');
  const schema = defaultSchemaName('default');
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  return {
    baseUrl,
    apiKey,
    schema,
    table: (name) => qualifiedName(schema, name),
    createApiKey,
    fetch: (path, init) => authorizedFetch(baseUrl, apiKey, path, init),
    async stop() {
      await gateway.stop();
      for (const w of workers) await w.stop();
      await pool.end();
    },
    waitForJob: (id, timeoutMs = 60_000) => waitForJob(baseUrl, apiKey, id, timeoutMs),
  };
}

export function authorizedFetch(
  baseUrl: string,
  apiKey: string,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('Authorization')) headers.set('Authorization', `Bearer ${apiKey}`);
  const url = /^https?:/.test(path) ? path : `${baseUrl}${path}`;
  return fetch(url, { ...init, headers });
}

export async function waitForJob(
  baseUrl: string,
  apiKey: string,
  id: string,
  timeoutMs: number,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let last: JobView | undefined;
  while (Date.now() < deadline) {
    const res = await authorizedFetch(baseUrl, apiKey, `/v1/jobs/${id}`);
    if (res.ok) {
      last = (await res.json()) as JobView;
      if (last.status === 'completed' || last.status === 'failed' || last.status === 'cancelled') {
        return last;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `job ${id} did not finish within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`,
  );
}
