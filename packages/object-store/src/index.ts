export * from './object-store';
export * from './stored-file';
export * from './s3-object-store';
export * from './fs-object-store';
export { FedPut } from './fed-put';
export * from './page-cache';
