export * from './chunk-planner';
export * from './column-names';
export * from './copy-text';
export * from './dialect-sniffer';
export * from './encoding';
export * from './normalize-row';
export * from './ports';
export * from './estimate-completion';
