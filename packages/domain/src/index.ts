export * from './column-names';
export * from './estimate-completion';
export * from './ports';
