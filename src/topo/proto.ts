// Typed topology records (topodata, vschema, binlogdata) and their binary protobuf and JSON forms.
//
// Decoded records have every field present with proto3 defaults ('' , 0, false, [], {}); unset
// nested messages are `undefined`, except a Tablet's alias, which is always filled in. Encoders
// take any subset of the fields (RecordInput<T>), leave defaults out as Go does, and accept
// enum names as well as numbers.
import { TabletType } from './tablet-type';
import { decodeMessage, encodeMessage, messageType, type Plain } from './proto-codec';
import { toGoJSON, toProtoJSON, type JsonValue, type ProtoJsonOptions } from './proto-json';

export { TabletType, parseTabletType, parseTabletTypes, tabletTypeName, tabletTypeLowerName, ALL_TABLET_TYPES } from './tablet-type';

// ---- vttime ----
export interface VTTime {
  seconds: number;
  nanoseconds: number;
}

// ---- topodata ----
export interface KeyRange {
  start: Buffer;
  end: Buffer;
}

export interface TabletAlias {
  cell: string;
  uid: number;
}

export enum KeyspaceType {
  NORMAL = 0,
  SNAPSHOT = 1,
}

export interface Tablet {
  alias: TabletAlias;
  hostname: string;
  portMap: Record<string, number>;
  keyspace: string;
  shard: string;
  keyRange?: KeyRange;
  type: TabletType;
  dbNameOverride: string;
  tags: Record<string, string>;
  mysqlHostname: string;
  mysqlPort: number;
  primaryTermStartTime?: VTTime;
  defaultConnCollation: number;
  tabletStartTime?: VTTime;
  tabletShutdownTime?: VTTime;
}

export interface SourceShard {
  uid: number;
  keyspace: string;
  shard: string;
  keyRange?: KeyRange;
  tables: string[];
}

export interface TabletControl {
  tabletType: TabletType;
  cells: string[];
  deniedTables: string[];
  frozen: boolean;
}

export interface VtorcState {
  disableEmergencyReparent: boolean;
}

export interface Shard {
  primaryAlias?: TabletAlias;
  primaryTermStartTime?: VTTime;
  keyRange?: KeyRange;
  sourceShards: SourceShard[];
  tabletControls: TabletControl[];
  isPrimaryServing: boolean;
  vtorcState?: VtorcState;
}

export interface ThrottledAppRule {
  name: string;
  ratio: number;
  expiresAt?: VTTime;
  exempt: boolean;
}

export interface ThrottlerConfig {
  enabled: boolean;
  threshold: number;
  customQuery: string;
  checkAsCheckSelf: boolean;
  throttledApps: Record<string, ThrottledAppRule>;
  appCheckedMetrics: Record<string, { names: string[] }>;
  metricThresholds: Record<string, number>;
}

export interface Keyspace {
  keyspaceType: KeyspaceType;
  baseKeyspace: string;
  snapshotTime?: VTTime;
  durabilityPolicy: string;
  throttlerConfig?: ThrottlerConfig;
  sidecarDbName: string;
  vtorcState?: VtorcState;
}

export interface ShardReplicationNode {
  tabletAlias?: TabletAlias;
}

export interface ShardReplication {
  nodes: ShardReplicationNode[];
}

export interface ShardReference {
  name: string;
  keyRange?: KeyRange;
}

export interface ShardTabletControl {
  name: string;
  keyRange?: KeyRange;
  queryServiceDisabled: boolean;
}

export interface KeyspacePartition {
  servedType: TabletType;
  shardReferences: ShardReference[];
  shardTabletControls: ShardTabletControl[];
}

export interface SrvKeyspace {
  partitions: KeyspacePartition[];
  throttlerConfig?: ThrottlerConfig;
}

export interface CellInfo {
  serverAddress: string;
  root: string;
}

export interface CellsAlias {
  cells: string[];
}

export interface TopoConfig {
  topoType: string;
  server: string;
  root: string;
}

export interface ExternalVitessCluster {
  topoConfig?: TopoConfig;
}

export interface ExternalClusters {
  vitessCluster: ExternalVitessCluster[];
}

// ---- vschema ----
export enum ForeignKeyMode {
  unspecified = 0,
  disallow = 1,
  unmanaged = 2,
  managed = 3,
}

export interface MultiTenantSpec {
  tenantIdColumnName: string;
  /** query.Type number */
  tenantIdColumnType: number;
}

export interface Vindex {
  type: string;
  params: Record<string, string>;
  owner: string;
}

export interface ColumnVindex {
  column: string;
  name: string;
  columns: string[];
}

export interface AutoIncrement {
  column: string;
  sequence: string;
}

export interface Column {
  name: string;
  /** query.Type number (e.g. VARCHAR = 6165) */
  type: number;
  invisible: boolean;
  default: string;
  collationName: string;
  size: number;
  scale: number;
  /** proto3 optional: absent means "not said" (Vitess treats it as nullable) */
  nullable?: boolean;
  values: string[];
}

export interface Table {
  type: string;
  columnVindexes: ColumnVindex[];
  autoIncrement?: AutoIncrement;
  columns: Column[];
  pinned: string;
  columnListAuthoritative: boolean;
  source: string;
}

/** vschema.Keyspace: one keyspace's VSchema. */
export interface VSchema {
  sharded: boolean;
  vindexes: Record<string, Vindex>;
  tables: Record<string, Table>;
  requireExplicitRouting: boolean;
  foreignKeyMode: ForeignKeyMode;
  multiTenantSpec?: MultiTenantSpec;
}

export interface RoutingRule {
  fromTable: string;
  toTables: string[];
}

export interface RoutingRules {
  rules: RoutingRule[];
}

export interface ShardRoutingRule {
  fromKeyspace: string;
  toKeyspace: string;
  shard: string;
}

export interface ShardRoutingRules {
  rules: ShardRoutingRule[];
}

export interface KeyspaceRoutingRule {
  fromKeyspace: string;
  toKeyspace: string;
}

export interface KeyspaceRoutingRules {
  rules: KeyspaceRoutingRule[];
}

export interface MirrorRule {
  fromTable: string;
  toTable: string;
  percent: number;
}

export interface MirrorRules {
  rules: MirrorRule[];
}

export interface SrvVSchema {
  keyspaces: Record<string, VSchema>;
  routingRules?: RoutingRules;
  shardRoutingRules?: ShardRoutingRules;
  keyspaceRoutingRules?: KeyspaceRoutingRules;
  mirrorRules?: MirrorRules;
}

// ---- binlogdata ----
export enum OnDDLAction {
  IGNORE = 0,
  STOP = 1,
  EXEC = 2,
  EXEC_IGNORE = 3,
}

export enum FieldEventMode {
  ERR_ON_MISMATCH = 0,
  BEST_EFFORT = 1,
}

export interface CharsetConversion {
  fromCharset: string;
  toCharset: string;
}

export interface Rule {
  match: string;
  filter: string;
  convertEnumToText: Record<string, string>;
  convertCharset: Record<string, CharsetConversion>;
  sourceUniqueKeyColumns: string;
  targetUniqueKeyColumns: string;
  sourceUniqueKeyTargetColumns: string;
  convertIntToEnum: Record<string, boolean>;
  forceUniqueKey: string;
}

export interface Filter {
  rules: Rule[];
  fieldEventMode: FieldEventMode;
  workflowType: number;
  workflowName: string;
}

export interface BinlogSource {
  keyspace: string;
  shard: string;
  tabletType: TabletType;
  keyRange?: KeyRange;
  tables: string[];
  filter?: Filter;
  onDdl: OnDDLAction;
  externalMysql: string;
  stopAfterCopy: boolean;
  externalCluster: string;
  sourceTimeZone: string;
  targetTimeZone: string;
}

// ---- inputs ----

/** Any subset of a record's fields, recursively; bytes as Buffer or Uint8Array, enums by number or name. */
export type RecordInput<T> = T extends Buffer
  ? Uint8Array
  : T extends number
    ? number | string
    : T extends Array<infer U>
      ? Array<RecordInput<U>>
      : T extends object
        ? { [K in keyof T]?: RecordInput<T[K]> }
        : T;

// ---- codecs ----

/** Every record kind, by the name vtmigrate uses, with its protobuf message. */
export const RECORD_TYPES = {
  KeyRange: 'topodata.KeyRange',
  TabletAlias: 'topodata.TabletAlias',
  Tablet: 'topodata.Tablet',
  Shard: 'topodata.Shard',
  Keyspace: 'topodata.Keyspace',
  ShardReplication: 'topodata.ShardReplication',
  ShardReference: 'topodata.ShardReference',
  ShardTabletControl: 'topodata.ShardTabletControl',
  SrvKeyspace: 'topodata.SrvKeyspace',
  CellInfo: 'topodata.CellInfo',
  CellsAlias: 'topodata.CellsAlias',
  TopoConfig: 'topodata.TopoConfig',
  ExternalVitessCluster: 'topodata.ExternalVitessCluster',
  ExternalClusters: 'topodata.ExternalClusters',
  VTTime: 'vttime.Time',
  VSchema: 'vschema.Keyspace',
  Vindex: 'vschema.Vindex',
  Table: 'vschema.Table',
  ColumnVindex: 'vschema.ColumnVindex',
  AutoIncrement: 'vschema.AutoIncrement',
  Column: 'vschema.Column',
  RoutingRules: 'vschema.RoutingRules',
  SrvVSchema: 'vschema.SrvVSchema',
  ShardRoutingRules: 'vschema.ShardRoutingRules',
  KeyspaceRoutingRules: 'vschema.KeyspaceRoutingRules',
  MirrorRules: 'vschema.MirrorRules',
  BinlogSource: 'binlogdata.BinlogSource',
  Filter: 'binlogdata.Filter',
  Rule: 'binlogdata.Rule',
  VtctldKeyspace: 'vtctldata.Keyspace',
  VtctldShard: 'vtctldata.Shard',
  FindAllShardsInKeyspaceResponse: 'vtctldata.FindAllShardsInKeyspaceResponse',
} as const;

export type RecordKind = keyof typeof RECORD_TYPES;

export function encodeRecord(kind: RecordKind, value: object): Uint8Array {
  return encodeMessage(messageType(RECORD_TYPES[kind]), value as Plain);
}

export function decodeRecord(kind: RecordKind, data: Uint8Array): Plain {
  return decodeMessage(messageType(RECORD_TYPES[kind]), data);
}

/** protojson as vtctldclient prints it (snake_case, enum names, int64 as strings, bytes base64). */
export function recordToProtoJSON(kind: RecordKind, value: object | undefined, opts: ProtoJsonOptions = {}): { [key: string]: JsonValue } {
  return toProtoJSON(messageType(RECORD_TYPES[kind]), value as Plain | undefined, opts);
}

/** Go encoding/json of the generated struct (what vtctldclient prints for lists of records). */
export function recordToGoJSON(kind: RecordKind, value: object | undefined): { [key: string]: JsonValue } {
  return toGoJSON(messageType(RECORD_TYPES[kind]), value as Plain | undefined);
}

/** A full record from any subset of its fields (defaults filled in, enum names resolved). */
export function normalizeRecord<T>(kind: RecordKind, value: RecordInput<T> | T): T {
  return decodeRecord(kind, encodeRecord(kind, value as object)) as T;
}

function fillTabletAlias(t: Plain): Tablet {
  const tablet = t as unknown as Tablet;
  if (!tablet.alias) tablet.alias = { cell: '', uid: 0 };
  return tablet;
}

export const encodeKeyRange = (m: RecordInput<KeyRange>): Uint8Array => encodeRecord('KeyRange', m);
export const decodeKeyRange = (b: Uint8Array): KeyRange => decodeRecord('KeyRange', b) as unknown as KeyRange;
export const encodeTabletAlias = (m: RecordInput<TabletAlias>): Uint8Array => encodeRecord('TabletAlias', m);
export const decodeTabletAlias = (b: Uint8Array): TabletAlias => decodeRecord('TabletAlias', b) as unknown as TabletAlias;
export const encodeTablet = (m: RecordInput<Tablet>): Uint8Array => encodeRecord('Tablet', m);
export const decodeTablet = (b: Uint8Array): Tablet => fillTabletAlias(decodeRecord('Tablet', b));
export const encodeShard = (m: RecordInput<Shard>): Uint8Array => encodeRecord('Shard', m);
export const decodeShard = (b: Uint8Array): Shard => decodeRecord('Shard', b) as unknown as Shard;
export const encodeKeyspace = (m: RecordInput<Keyspace>): Uint8Array => encodeRecord('Keyspace', m);
export const decodeKeyspace = (b: Uint8Array): Keyspace => decodeRecord('Keyspace', b) as unknown as Keyspace;
export const encodeShardReplication = (m: RecordInput<ShardReplication>): Uint8Array => encodeRecord('ShardReplication', m);
export const decodeShardReplication = (b: Uint8Array): ShardReplication => decodeRecord('ShardReplication', b) as unknown as ShardReplication;
export const encodeShardReference = (m: RecordInput<ShardReference>): Uint8Array => encodeRecord('ShardReference', m);
export const decodeShardReference = (b: Uint8Array): ShardReference => decodeRecord('ShardReference', b) as unknown as ShardReference;
export const encodeShardTabletControl = (m: RecordInput<ShardTabletControl>): Uint8Array => encodeRecord('ShardTabletControl', m);
export const decodeShardTabletControl = (b: Uint8Array): ShardTabletControl => decodeRecord('ShardTabletControl', b) as unknown as ShardTabletControl;
export const encodeSrvKeyspace = (m: RecordInput<SrvKeyspace>): Uint8Array => encodeRecord('SrvKeyspace', m);
export const decodeSrvKeyspace = (b: Uint8Array): SrvKeyspace => decodeRecord('SrvKeyspace', b) as unknown as SrvKeyspace;
export const encodeCellInfo = (m: RecordInput<CellInfo>): Uint8Array => encodeRecord('CellInfo', m);
export const decodeCellInfo = (b: Uint8Array): CellInfo => decodeRecord('CellInfo', b) as unknown as CellInfo;
export const encodeCellsAlias = (m: RecordInput<CellsAlias>): Uint8Array => encodeRecord('CellsAlias', m);
export const decodeCellsAlias = (b: Uint8Array): CellsAlias => decodeRecord('CellsAlias', b) as unknown as CellsAlias;
export const encodeTopoConfig = (m: RecordInput<TopoConfig>): Uint8Array => encodeRecord('TopoConfig', m);
export const decodeTopoConfig = (b: Uint8Array): TopoConfig => decodeRecord('TopoConfig', b) as unknown as TopoConfig;
export const encodeExternalVitessCluster = (m: RecordInput<ExternalVitessCluster>): Uint8Array => encodeRecord('ExternalVitessCluster', m);
export const decodeExternalVitessCluster = (b: Uint8Array): ExternalVitessCluster => decodeRecord('ExternalVitessCluster', b) as unknown as ExternalVitessCluster;
export const encodeExternalClusters = (m: RecordInput<ExternalClusters>): Uint8Array => encodeRecord('ExternalClusters', m);
export const decodeExternalClusters = (b: Uint8Array): ExternalClusters => decodeRecord('ExternalClusters', b) as unknown as ExternalClusters;
export const encodeVTTime = (m: RecordInput<VTTime>): Uint8Array => encodeRecord('VTTime', m);
export const decodeVTTime = (b: Uint8Array): VTTime => decodeRecord('VTTime', b) as unknown as VTTime;
export const encodeVSchema = (m: RecordInput<VSchema>): Uint8Array => encodeRecord('VSchema', m);
export const decodeVSchema = (b: Uint8Array): VSchema => decodeRecord('VSchema', b) as unknown as VSchema;
export const encodeRoutingRules = (m: RecordInput<RoutingRules>): Uint8Array => encodeRecord('RoutingRules', m);
export const decodeRoutingRules = (b: Uint8Array): RoutingRules => decodeRecord('RoutingRules', b) as unknown as RoutingRules;
export const encodeShardRoutingRules = (m: RecordInput<ShardRoutingRules>): Uint8Array => encodeRecord('ShardRoutingRules', m);
export const decodeShardRoutingRules = (b: Uint8Array): ShardRoutingRules => decodeRecord('ShardRoutingRules', b) as unknown as ShardRoutingRules;
export const encodeKeyspaceRoutingRules = (m: RecordInput<KeyspaceRoutingRules>): Uint8Array => encodeRecord('KeyspaceRoutingRules', m);
export const decodeKeyspaceRoutingRules = (b: Uint8Array): KeyspaceRoutingRules => decodeRecord('KeyspaceRoutingRules', b) as unknown as KeyspaceRoutingRules;
export const encodeMirrorRules = (m: RecordInput<MirrorRules>): Uint8Array => encodeRecord('MirrorRules', m);
export const decodeMirrorRules = (b: Uint8Array): MirrorRules => decodeRecord('MirrorRules', b) as unknown as MirrorRules;
export const encodeSrvVSchema = (m: RecordInput<SrvVSchema>): Uint8Array => encodeRecord('SrvVSchema', m);
export const decodeSrvVSchema = (b: Uint8Array): SrvVSchema => decodeRecord('SrvVSchema', b) as unknown as SrvVSchema;
export const encodeBinlogSource = (m: RecordInput<BinlogSource>): Uint8Array => encodeRecord('BinlogSource', m);
export const decodeBinlogSource = (b: Uint8Array): BinlogSource => decodeRecord('BinlogSource', b) as unknown as BinlogSource;
export const encodeFilter = (m: RecordInput<Filter>): Uint8Array => encodeRecord('Filter', m);
export const decodeFilter = (b: Uint8Array): Filter => decodeRecord('Filter', b) as unknown as Filter;
export const encodeRule = (m: RecordInput<Rule>): Uint8Array => encodeRecord('Rule', m);
export const decodeRule = (b: Uint8Array): Rule => decodeRecord('Rule', b) as unknown as Rule;
