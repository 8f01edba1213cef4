// Typed reads and writes of every topology record, by kind. "put" is create-or-update.
export * from './keyspaces';
export * from './tablets';
export * from './cells';
export * from './serving';
export * from './vschemas';
export * from './external-clusters';
export { readRecord, writeRecord, createRecord, type Versioned } from './record-io';
