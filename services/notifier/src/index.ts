export * from './notifier-service';
export * from './webhook-delivery';
export * from './webhook-signature';
