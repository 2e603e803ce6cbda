export * from './api-key-repository';
export * from './key-limits';
export * from './request-rate-limiter';
export * from './upload-leases';
export * from './tenant-name';
