export * from './test-environment';
export * from './running-system';
export * from './webhook-receiver';
export * from './csv-fixtures';
export * from './ha-cluster';
export * from './csv-file';
export * from './private-redis';
