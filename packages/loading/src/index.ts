export * from './load-strategy';
export * from './load-strategy-for';
export * from './prepare-load-plan';
export * from './chunk-writer';
export * from './target-table';
export * from './work-tables';
export { POSITION_COLUMN, WORK_SCHEMA } from './sql-names';
