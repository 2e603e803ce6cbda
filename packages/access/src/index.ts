export * from './api-key-repository';
export * from './key-limits';
export * from './request-rate-limiter';
export * from './upload-leases';
export * from './tenant-name';
export * from './tenant-schema-name';
export * from './tenant-schemas';
