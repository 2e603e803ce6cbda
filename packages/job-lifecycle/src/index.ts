export * from './job-lifecycle';
export * from './dead-letters';
