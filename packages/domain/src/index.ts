export * from './chunk-planner';
export * from './column-names';
export * from './copy-text';
export * from './normalize-row';
export * from './ports';
