export * from './env';
export * from './logger';
export * from './lifecycle';
