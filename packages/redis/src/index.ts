export * from './redis-job-state-store';
export * from './redis-rate-limiter';
export * from './webhook-queue';
