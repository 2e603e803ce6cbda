/** Where the shared servers are (environment overrides) and where the benchmark keeps its files. */
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const ADMIN_URL =
  process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569';
