export * from './amqp-connection';
export * from './topology';
export * from './confirmed-publisher';
export * from './queue-consumer';
export * from './dead-letter-consumer';
