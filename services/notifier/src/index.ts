export * from './notifier-service';
export * from './webhook-delivery';
export * from './webhook-signature';
export * from './webhook-attempt';
export * from './webhook-fanout';
