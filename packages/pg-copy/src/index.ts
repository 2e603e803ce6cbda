export * from './copy-text';
export * from './copy-row-writer';
export * from './copy-text-writer';
export * from './copy-binary-writer';
export * from './row-buffer';
