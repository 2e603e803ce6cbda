import { createLogger, s3OptionsFrom, type GatewayEnv, type Logger } from '@ingest/config';
import { createPool, JobRepository, migrate } from '@ingest/postgres';
import { AmqpConnection, ConfirmedPublisher } from '@ingest/rabbitmq';
import { RedisJobStateStore } from '@ingest/redis';
import { S3ObjectStore } from '@ingest/s3';
import { createApp } from './app';
import { HttpService } from './gateway-service';
import { JobIntake } from './job-intake';

export interface Gateway {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
  logger: Logger;
}

/** Builds the gateway and its adapters from parsed configuration. */
export function buildGateway(
  env: GatewayEnv,
  logger = createLogger('gateway', env.LOG_LEVEL),
): Gateway {
  const pool = createPool({
    connectionString: env.DATABASE_URL,
    applicationName: 'ingest-gateway',
  });
  const store = new S3ObjectStore(s3OptionsFrom(env, env.GATEWAY_MAX_UPLOAD_BYTES));
  const state = new RedisJobStateStore({
    url: env.REDIS_URL,
    keyPrefix: `${env.QUEUE_PREFIX}ingest:`,
  });
  const amqp = new AmqpConnection({ url: env.RABBITMQ_URL, queuePrefix: env.QUEUE_PREFIX });
  const publisher = new ConfirmedPublisher(amqp);
  const jobs = new JobRepository(pool);
  const intake = new JobIntake(jobs, state, store, publisher, logger);
  const app = createApp({
    intake,
    store,
    logger,
    maxUploadBytes: env.GATEWAY_MAX_UPLOAD_BYTES,
    minChunkBytes: env.GATEWAY_MIN_CHUNK_BYTES,
    readiness: {
      postgres: async () => void (await pool.query('SELECT 1')),
      redis: () => state.ping(),
      rabbitmq: () => amqp.ping(),
      storage: () => store.ping(),
    },
  });
  const http = new HttpService(app, { host: env.GATEWAY_HOST, port: env.GATEWAY_PORT });

  return {
    logger,
    async start() {
      await migrate(pool);
      // Storage may come up after us; uploads report 503 until it does.
      await store.ensureBucket().catch((e: unknown) => {
        logger.warn({ err: e }, 'object storage not reachable at start');
      });
      const address = await http.start();
      logger.info({ port: address.port }, 'gateway listening');
      return { port: address.port };
    },
    async stop() {
      await http.stop();
      await publisher.close();
      await amqp.close();
      await state.close();
      store.close();
      await pool.end();
    },
  };
}
