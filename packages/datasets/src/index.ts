export * from './dataset-repository';
