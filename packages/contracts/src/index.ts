export * from './job-status';
export * from './dialect';
export * from './messages';
export * from './job-view';
export * from './message-bus';
