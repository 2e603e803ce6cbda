export * from './pool';
export * from './migrations';
export * from './identifiers';
export * from './job-repository';
export * from './chunk-writer';
export * from './target-table';
export * from './job-state-sync';
