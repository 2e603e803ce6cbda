export * from './pool';
export * from './with-transaction';
export * from './migrate';
export * from './migration-files';
export * from './identifiers';
export * from './migration-sources';
export * from './session-lock';
export * from './shared-lock-session';
