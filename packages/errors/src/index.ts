export * from './app-error';
export * from './failure-class';
export * from './retry';
export * from './error-code';
