export * from './csv-syntax';
export * from './chunk-planner';
export * from './csv-record-reader';
export * from './sample-reader';
export * from './dialect-sniffer';
export * from './encoding';
export * from './format-sniff';
