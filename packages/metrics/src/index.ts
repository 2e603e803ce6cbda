export * from './ingest-metrics';
export * from './metric-labels';
export * from './metrics-server';
