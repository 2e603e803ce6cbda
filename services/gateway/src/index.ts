export * from './app';
export * from './gateway-service';
export * from './job-intake';
export * from './build-gateway';
