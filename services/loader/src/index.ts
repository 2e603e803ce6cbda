export * from './loader-service';
export * from './load-chunk';
export * from './copy-payload';
export * from './failpoints';
export * from './chunk-guard';
