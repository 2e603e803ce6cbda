import ms, { type StringValue } from 'ms';
import { isAbsolute } from 'node:path';
import { z } from 'zod';

/**
 * Configuration is parsed once, at process start, from environment variables.
 * Packages never read process.env; services pass the parsed values in.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = z.coerce.number().int();

/** Milliseconds of a duration text; `ms` returns undefined for text it cannot read. */
const millisecondsOf = (v: string): number | undefined => {
  const parsed: number | undefined = ms(v as StringValue);
  return parsed;
};

/**
 * A duration with its unit, as `ms` reads it (`500ms`, `30s`, `5m`, `12h`, `7d`), or `0`;
 * parsed to milliseconds. A bare number is refused: seconds or milliseconds would be a guess.
 */
export const duration = z
  .string()
  .trim()
  .refine((v) => v === '0' || (/[a-z]$/i.test(v) && millisecondsOf(v) !== undefined), {
    message: 'must be a duration with its unit, e.g. 500ms, 30s, 5m, 12h, 7d (or 0)',
  })
  .transform((v) => Math.round(millisecondsOf(v) ?? 0))
  .pipe(z.number().min(0, 'must not be negative'));

/** How long an object being written counts as alive without its writer renewing it. */
const uploadLease = duration.prefault('5m').pipe(z.number().min(1000));

/**
 * Public development values of the secrets: they let the local stack and the tests run
 * with no set-up, and are refused when NODE_ENV=production (anyone can read them here).
 */
export const DEVELOPMENT_SECRETS = {
  WEBHOOK_SECRET: 'whsec_ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLXNlY3JldA==',
  WEBHOOK_ENCRYPTION_KEY: 'ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLWVuYy1rZXk=',
} as const;

type SecretName = keyof typeof DEVELOPMENT_SECRETS;

/**
 * With NODE_ENV=production each of `names` must be set, to a value of its own: a
 * missing one would fall back to its public development default, so that is refused too.
 */
const requireOwnSecrets =
  (names: readonly SecretName[]) =>
  (env: { NODE_ENV: string } & Partial<Record<SecretName, string>>, ctx: z.RefinementCtx) => {
    if (env.NODE_ENV !== 'production') return;
    for (const name of names) {
      if (env[name] !== DEVELOPMENT_SECRETS[name]) continue;
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message:
          'must be set to a secret of your own when NODE_ENV=production (the default is a public development value)',
      });
    }
  };

const common = {
  /** `production` refuses the public development secrets (see DEVELOPMENT_SECRETS). */
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/ingest'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  RABBITMQ_URL: z.string().url().default('amqp://guest:guest@127.0.0.1:5672'),
  QUEUE_PREFIX: z.string().default(''),
  /**
   * Where objects are stored: `s3` (any S3 API: MinIO, AWS, s3rver) or `fs` (the directory
   * STORAGE_DIR, for every process on one machine; see docs/storage.md).
   */
  STORAGE_BACKEND: z.enum(['s3', 'fs']).default('s3'),
  /** Absolute path of the object directory when STORAGE_BACKEND=fs; created at start. */
  STORAGE_DIR: z
    .string()
    .default('')
    .refine((v) => v === '' || isAbsolute(v), 'must be an absolute path'),
  S3_ENDPOINT: z.string().url().default('http://127.0.0.1:4569'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(3).default('ingest'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('S3RVER'),
  S3_FORCE_PATH_STYLE: bool.default(true),
  INGEST_MAX_RECORD_BYTES: int.positive().default(16 * 1024 * 1024),
  /** Non-public callback addresses allowed anyway (CIDRs, comma-separated); empty in production. */
  WEBHOOK_ALLOWED_CIDRS: z.string().default(''),
  /**
   * Deliveries of one message before the broker dead-letters it. A queue argument: it takes
   * effect when the queues are first declared (change it on live queues with a policy).
   */
  QUEUE_DELIVERY_LIMIT: int.min(1).max(1000).default(5),
  /** How long one delivery retries a retryable failure in-process (rides out a failover). */
  WORKER_RETRY_BUDGET_MS: int.min(0).default(60_000),
  /** First wait of those retries; it doubles, capped at 30 s. */
  WORKER_RETRY_DELAY_MS: int.positive().default(1000),
  /** Address the workers' `GET /metrics` listeners bind (the gateway serves it on its own port). */
  METRICS_HOST: z.string().default('127.0.0.1'),
};

/** A worker's `GET /metrics` port; 0 serves none. */
const metricsPort = int.min(0).max(65535).default(0);

/** Comma-separated milliseconds, e.g. `0,5000,300000`: at least one, none negative. */
const msList = z
  .string()
  .transform((v) => v.split(',').map((p) => p.trim()))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[0-9]{1,10}$/, 'each entry must be whole milliseconds')
          .transform(Number)
          .pipe(z.number().max(2 ** 31 - 1)),
      )
      .min(1)
      .max(100),
  );

/** Encrypts endpoint secrets at rest (gateway seals, notifier opens): base64 of 32 bytes. */
const encryptionKey = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be the base64 of 32 random bytes')
  .default(DEVELOPMENT_SECRETS.WEBHOOK_ENCRYPTION_KEY);

export const gatewayEnvSchema = z
  .object({
    ...common,
    WEBHOOK_ENCRYPTION_KEY: encryptionKey,
    GATEWAY_HOST: z.string().default('127.0.0.1'),
    GATEWAY_PORT: int.min(0).max(65535).default(8080),
    GATEWAY_MAX_UPLOAD_BYTES: int.positive().default(100 * 1024 ** 3),
    /** Requests per minute per API key, unless the key sets its own. */
    GATEWAY_RATE_LIMIT_PER_MINUTE: int.positive().default(600),
    /** Concurrent uploads per API key, unless the key sets its own. */
    GATEWAY_MAX_CONCURRENT_UPLOADS: int.positive().default(4),
    /** An upload slower than this (over the window below) is cut off with 408. */
    GATEWAY_MIN_UPLOAD_BYTES_PER_SEC: int.positive().default(16 * 1024),
    GATEWAY_SLOW_UPLOAD_WINDOW_MS: int.positive().default(30_000),
    /** A connection silent for this long is closed. */
    GATEWAY_IDLE_TIMEOUT_MS: int.positive().default(60_000),
    /** Per-job override floor for chunk_size, so nobody plans a million 1-byte chunks. */
    GATEWAY_MIN_CHUNK_BYTES: int.positive().default(1024),
    /** Per-job ceiling for chunk_size: one chunk is one loader's work, and its rejects are held in memory. */
    GATEWAY_MAX_CHUNK_BYTES: int.positive().default(1024 ** 3),
    /**
     * A raw upload of declared length is stored as objects of this size, one plain PUT each
     * (measured 2.5× faster and half the CPU of a multipart upload); 0 stores one object.
     * At most 5 GiB, S3's limit for one PUT.
     */
    GATEWAY_SEGMENT_BYTES: int
      .min(0)
      .max(5 * 1024 ** 3)
      .default(64 * 1024 * 1024),
    /**
     * How long a job's stored objects (the upload, its segments, derived objects) are kept
     * after the job ended; 0 removes them at the sweeper's next pass. Recorded on each job
     * when it is created.
     */
    STORAGE_RETENTION: duration.prefault('7d'),
    /** An upload is recorded as in flight and renewed every third of this while it runs. */
    STORAGE_UPLOAD_LEASE: uploadLease,
    /**
     * Directory of the web dashboard's build, served at `/`. Empty: the build of the
     * dashboard package beside the gateway (web/dist, made by `npm run build`).
     */
    GATEWAY_DASHBOARD_DIR: z.string().default(''),
    /**
     * A resumable (tus) upload not finished this long after its creation expires
     * (`Upload-Expires`): its job fails with UPLOAD_EXPIRED and its parts are deleted.
     */
    GATEWAY_TUS_EXPIRY: duration.prefault('24h'),
    /**
     * A resumable upload is stored as segments of this size; the request writing it holds one
     * in memory (a cut request keeps its bytes), two while the one before is flushed.
     */
    GATEWAY_TUS_SEGMENT_BYTES: int
      .min(64 * 1024)
      .max(1024 ** 3)
      .default(16 * 1024 * 1024),
    /**
     * The bytes of tus segment buffers the gateway holds at once, over all requests: each
     * request sending bytes takes one segment (503 UPLOADS_BUSY when none is left) and a second
     * while one more request could still start. At least one segment.
     */
    GATEWAY_TUS_BUFFER_BYTES: int.positive().default(256 * 1024 * 1024),
  })
  .refine((env) => env.GATEWAY_TUS_BUFFER_BYTES >= env.GATEWAY_TUS_SEGMENT_BYTES, {
    message: 'GATEWAY_TUS_BUFFER_BYTES must hold at least one GATEWAY_TUS_SEGMENT_BYTES segment',
    path: ['GATEWAY_TUS_BUFFER_BYTES'],
  })
  .superRefine(requireOwnSecrets(['WEBHOOK_ENCRYPTION_KEY']));

export const splitterEnvSchema = z.object({
  ...common,
  SPLITTER_CHUNK_BYTES: int.positive().default(32 * 1024 * 1024),
  /**
   * A job's first chunk aims at this many bytes and each next one at twice the last, up to
   * SPLITTER_CHUNK_BYTES, so loaders start once a few MiB are planned (0: every chunk the same).
   * Jobs that chose their own chunk_bytes get exactly that.
   */
  SPLITTER_FIRST_CHUNK_BYTES: int.nonnegative().default(4 * 1024 * 1024),
  SPLITTER_METRICS_PORT: metricsPort,
  /** A compressed upload may expand to at most this many bytes (stops gzip bombs). */
  INGEST_MAX_DECOMPRESSED_BYTES: int.positive().default(1024 ** 4),
  /** A derived object being written is recorded as in flight, renewed every third of this. */
  STORAGE_UPLOAD_LEASE: uploadLease,
  /** Runs the storage and outbox sweeps in this splitter (safe in every replica at once). */
  SWEEPER_ENABLED: bool.default(true),
  /** Pause between two passes of the retention, abandoned-upload and outbox sweeps. */
  SWEEPER_INTERVAL: duration.prefault('1m').pipe(z.number().min(10)),
  /** Pause between two listings of the bucket for orphans (one ListObjectsV2 per 1000 keys). */
  SWEEPER_ORPHAN_INTERVAL: duration.prefault('1h').pipe(z.number().min(10)),
  /** An object under uploads/ that no job or upload owns is deleted once it is this old. */
  SWEEPER_ORPHAN_GRACE: duration.prefault('24h'),
  /** A `stored` job no splitter picked up for this long is published again. */
  SWEEPER_REPUBLISH_AFTER: duration.prefault('5m'),
  /** Jobs one splitter plans at once (a long scan does not hold up the next job's planning). */
  SPLITTER_CONCURRENCY: int.positive().default(2),
  /** Resumable uploads one splitter plans while their bytes arrive, at once (0: after the last byte). */
  SPLITTER_FOLLOW_MAX: int.nonnegative().default(8),
  /**
   * Segments of the text derived from a gzip or non-UTF-8 upload that loads while it arrives:
   * its chunks are planned once their segment is stored (one segment is held in memory).
   */
  SPLITTER_DERIVED_SEGMENT_BYTES: int
    .min(1024)
    .max(1024 ** 3)
    .default(8 * 1024 * 1024),
  /** A followed upload that stores no new segment for this long is left until the next nudge. */
  SPLITTER_FOLLOW_IDLE: duration.prefault('5s').pipe(z.number().min(100)),
  /** Chunks of one job dispatched and not yet committed, at most (its window). */
  DISPATCH_JOB_WINDOW: int.positive().default(4),
  /** Chunks of all jobs dispatched and not yet committed, at most; 0: only the windows bound it. */
  DISPATCH_MAX_IN_FLIGHT: int.nonnegative().default(8),
  /** Chunks of one tenant dispatched and not yet committed, at most; 0: no limit. */
  DISPATCH_TENANT_MAX_IN_FLIGHT: int.nonnegative().default(0),
  /** Tenants' shares, `tenant=weight` comma-separated (`acme=2,batch=0.5`); others weigh 1. */
  DISPATCH_TENANT_WEIGHTS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const weights = new Map<string, number>();
      for (const item of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [tenant, weight] = item.split('=').map((s) => s.trim());
        const w = Number(weight);
        if (!tenant || !(w > 0) || !Number.isFinite(w)) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not tenant=weight (weight > 0)` });
          return z.NEVER;
        }
        weights.set(tenant, w);
      }
      return weights;
    }),
  /** Dispatch also runs this often without a wake-up (a commit notification lost on a reconnect). */
  DISPATCH_POLL_INTERVAL: duration.prefault('1s').pipe(z.number().min(10)),
});

export const loaderEnvSchema = z.object({
  ...common,
  LOADER_PREFETCH: int.positive().default(1),
  LOADER_METRICS_PORT: metricsPort,
  /**
   * COPY wire format: binary (values encoded by the loader; about half the database's CPU
   * per row) or text. Binary applies only where every target column type has an encoding.
   */
  LOADER_COPY_FORMAT: z.enum(['binary', 'text']).default('binary'),
  /**
   * Fault injection for crash tests, empty in production: `point[@chunk]=action`, comma-separated,
   * points `before-copy`, `mid-copy`, `after-commit`, actions `kill` (SIGKILL itself) or
   * `error:<SQLSTATE>` (fail the attempt as the database would). See services/loader/src/failpoints.ts.
   */
  LOADER_FAILPOINTS: z.string().default(''),
  /**
   * A chunk's time budget is this plus LOADER_CHUNK_BUDGET_PER_MIB per MiB of its byte range;
   * a chunk still loading then is aborted, rolled back and retried (CHUNK_TIMEOUT once its
   * deliveries are spent). Generous: a healthy chunk takes well under a second per MiB.
   */
  LOADER_CHUNK_BUDGET_BASE: duration.prefault('60s').pipe(z.number().min(1)),
  LOADER_CHUNK_BUDGET_PER_MIB: duration.prefault('30s'),
  /** How often a loader checks whether the jobs of its chunks in flight were cancelled. */
  LOADER_CANCEL_CHECK_INTERVAL: duration.prefault('1s').pipe(z.number().min(10)),
  /** A loader session idle inside a transaction this long is ended by Postgres (its locks go). */
  LOADER_IDLE_IN_TRANSACTION_TIMEOUT: duration.prefault('60s').pipe(z.number().min(1000)),
  /**
   * Back-off: while the leader's replicas lag further behind than this in replay
   * (pg_stat_replication.replay_lag), loaders start no chunk; they go on once it is below
   * half of it. 0 turns the check off; without replicas it never holds anything.
   */
  LOADER_MAX_REPLICA_LAG: duration.prefault('30s'),
  /** How often each loader reads the replica lag (one query on the leader). */
  LOADER_REPLICA_LAG_CHECK_INTERVAL: duration.prefault('1s').pipe(z.number().min(10)),
});

export const notifierEnvSchema = z
  .object({
    ...common,
    WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must look like whsec_<base64>')
      .default(DEVELOPMENT_SECRETS.WEBHOOK_SECRET),
    /** Delay before each attempt (the first included), so its length is the attempt count. */
    NOTIFIER_SCHEDULE_MS: msList.prefault(
      '0,5000,300000,1800000,7200000,18000000,36000000,36000000',
    ),
    NOTIFIER_TIMEOUT_MS: int.positive().default(10000),
    NOTIFIER_METRICS_PORT: metricsPort,
    /**
     * How often the notifier looks in Postgres for pending deliveries that are due but have no
     * queued job (lost with Redis) and queues them again.
     */
    NOTIFIER_SWEEP_INTERVAL_MS: int.positive().default(30_000),
    WEBHOOK_ENCRYPTION_KEY: encryptionKey,
  })
  .superRefine(requireOwnSecrets(['WEBHOOK_SECRET', 'WEBHOOK_ENCRYPTION_KEY']));

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
export type SplitterEnv = z.infer<typeof splitterEnvSchema>;
export type LoaderEnv = z.infer<typeof loaderEnvSchema>;
export type NotifierEnv = z.infer<typeof notifierEnvSchema>;
export type CommonEnv = Pick<GatewayEnv, keyof typeof common>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses `source` (default: process.env) or throws one error naming every bad variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

/** Which object store to build, with its settings; throws when fs is chosen without a directory. */
export function storageSettingsFrom(
  env: CommonEnv,
  maxObjectBytes?: number,
):
  | { backend: 's3'; s3: ReturnType<typeof s3OptionsFrom> }
  | { backend: 'fs'; fs: { root: string } } {
  if (env.STORAGE_BACKEND === 's3')
    return { backend: 's3', s3: s3OptionsFrom(env, maxObjectBytes) };
  if (env.STORAGE_DIR === '') {
    throw new ConfigError(
      'invalid configuration: STORAGE_DIR: must be set when STORAGE_BACKEND=fs',
    );
  }
  return { backend: 'fs', fs: { root: env.STORAGE_DIR } };
}

/** Object-storage settings as the S3 adapter takes them. */
export const s3OptionsFrom = (env: CommonEnv, maxObjectBytes = 5 * 1024 ** 4) => ({
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION,
  bucket: env.S3_BUCKET,
  accessKeyId: env.S3_ACCESS_KEY_ID,
  secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
  maxObjectBytes,
});
