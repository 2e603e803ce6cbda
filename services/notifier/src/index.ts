export * from './notifier-service';
