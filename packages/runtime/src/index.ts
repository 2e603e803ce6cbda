export * from './service-adapters';
