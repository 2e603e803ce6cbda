import { z } from 'zod';

/**
 * Configuration is parsed once, at process start, from environment variables.
 * Packages never read process.env; services pass the parsed values in.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = z.coerce.number().int();

const common = {
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/ingest'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  RABBITMQ_URL: z.string().url().default('amqp://guest:guest@127.0.0.1:5672'),
  QUEUE_PREFIX: z.string().default(''),
  S3_ENDPOINT: z.string().url().default('http://127.0.0.1:4569'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(3).default('ingest'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('S3RVER'),
  S3_FORCE_PATH_STYLE: bool.default(true),
  INGEST_MAX_RECORD_BYTES: int.positive().default(16 * 1024 * 1024),
  /** Non-public callback addresses allowed anyway (CIDRs, comma-separated); empty in production. */
  WEBHOOK_ALLOWED_CIDRS: z.string().default(''),
};

export const gatewayEnvSchema = z.object({
  ...common,
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: int.min(0).max(65535).default(8080),
  GATEWAY_MAX_UPLOAD_BYTES: int.positive().default(100 * 1024 ** 3),
  /** Per-job override floor for chunk_size, so nobody plans a million 1-byte chunks. */
  GATEWAY_MIN_CHUNK_BYTES: int.positive().default(1024),
});

export const splitterEnvSchema = z.object({
  ...common,
  SPLITTER_CHUNK_BYTES: int.positive().default(32 * 1024 * 1024),
  /** A compressed upload may expand to at most this many bytes (stops gzip bombs). */
  INGEST_MAX_DECOMPRESSED_BYTES: int.positive().default(1024 ** 4),
});

export const loaderEnvSchema = z.object({
  ...common,
  LOADER_PREFETCH: int.positive().default(1),
});

export const notifierEnvSchema = z.object({
  ...common,
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must look like whsec_<base64>')
    .default('whsec_ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLXNlY3JldA=='),
  NOTIFIER_MAX_ATTEMPTS: int.positive().default(8),
  NOTIFIER_BACKOFF_MS: int.positive().default(5000),
  NOTIFIER_TIMEOUT_MS: int.positive().default(10000),
});

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
