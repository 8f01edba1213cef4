// Hand-built workflow states for the client's formatting tests: what the Migrate workflow's status
// query, the shard children and their activity heartbeats would report.
import type { CatchUpHeartbeat, CopyHeartbeat, MigrateStatus, ShardStatus, StreamStatus, TableCopyProgress } from '../../../src/workflows/api';

/** 2025-10-30 13:05:10 UTC: eight seconds after the Tx time of Vitess's test vector. */
export const NOW = Date.UTC(2025, 9, 30, 13, 5, 10);
export const GTID = 'f3918180-b58f-11f0-9085-360472309971:1-29655';

export function progress(rowsCopied: number, done: boolean, rowsScanned = rowsCopied): TableCopyProgress {
  return { rowsCopied, rowsScanned, bytesCopied: rowsCopied * 100, done };
}

export function stream(sourceShard: string, state: string, tables: Record<string, TableCopyProgress>, extra: Partial<StreamStatus> = {}): StreamStatus {
  return { id: 1, sourceShard, state, tables, position: GTID, tablet: 'zone1-101', message: '', ...extra };
}

export function shard(name: string, primaryAlias: string, phase: ShardStatus['phase'], streams: StreamStatus[], lastError = ''): ShardStatus {
  return { shard: name, primaryAlias, phase, streams, lastError };
}

export function migrateStatus(over: Partial<MigrateStatus> = {}): MigrateStatus {
  return {
    workflowId: 'customer.commerce2customer',
    workflow: 'commerce2customer',
    targetKeyspace: 'customer',
    sourceKeyspace: 'commerce',
    mountName: 'ext1',
    phase: 'Copying',
    details: 'Copying 2 table(s) from commerce (mount ext1) into customer',
    startedAt: NOW - 200_000,
    phaseTimes: { Validating: NOW - 200_000, Copying: NOW - 100_000 },
    tables: ['customer', 'corder'],
    tableRowsEstimate: { corder: 400, customer: 200 },
    tableBytesEstimate: { corder: 40000, customer: 20000 },
    shards: [],
    errors: [],
    request: {
      workflow: 'commerce2customer', targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1',
      allTables: true, tables: [], excludeTables: [], sourceTimeZone: '', noRoutingRules: false, cells: [], allCells: false,
      tabletTypes: ['REPLICA', 'PRIMARY'], tabletTypesInPreferenceOrder: true, onDdl: 'IGNORE', deferSecondaryKeys: true,
      autoStart: true, stopAfterCopy: false, copyBatchRows: 5000, copyBatchBytes: 2 << 20, shardHistoryLimit: 1500, stepAttempts: 8,
    },
    ...over,
  };
}

export function copyHeartbeat(sourceShard: string, table: string, rowsCopied: number, rowsPerSecond: number, extra: Partial<CopyHeartbeat> = {}): CopyHeartbeat {
  return { kind: 'copy', streamId: 1, sourceShard, table, rowsCopied, rowsScanned: rowsCopied, bytesCopied: rowsCopied * 100, tablet: 'zone1-101', rowsPerSecond, message: '', ...extra };
}

export function catchUpHeartbeat(sourceShard: string, lagSeconds: number, transactionTimestamp: number, position = GTID): CatchUpHeartbeat {
  return {
    kind: 'catchup',
    streams: [{ id: 1, sourceShard, position, tablet: 'zone1-101', lagSeconds, transactionTimestamp, eventsApplied: 10, message: '' }],
    eventsPerSecond: 5,
    message: '',
  };
}
