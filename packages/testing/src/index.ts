export * from './test-environment';
export * from './running-system';
export * from './webhook-receiver';
export * from './csv-fixtures';
