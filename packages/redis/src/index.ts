export * from './redis-job-state-store';
