export * from './splitter-service';
export * from './plan-job';
export * from './chunk-dispatcher';
