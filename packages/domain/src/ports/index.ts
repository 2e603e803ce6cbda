export * from './message-bus';
export * from './job-state-store';
