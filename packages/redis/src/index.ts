export * from './redis-rate-limiter';
export * from './webhook-queue';
