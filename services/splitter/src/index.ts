export * from './splitter-service';
export * from './plan-job';
