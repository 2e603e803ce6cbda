export * from './object-store';
export * from './stored-file';
export * from './s3-object-store';
