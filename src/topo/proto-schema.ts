// The subset of Vitess's .proto files that the topology records use, with Vitess's exact field
// numbers, enum values and declaration order (vitess-facts.md §3.2; proto/*.proto upstream).
// Declaration order matters: protojson and Go's encoding/json both print fields in it.
// Kept as text inside the code so that nothing has to be copied next to dist/.
//
// Fields upstream has and we do not model would be dropped when we rewrite a record that
// carries them, so every field of the records we write is declared here, nested messages
// included (ThrottlerConfig, vtorcdata).

export const VTTIME_PROTO = `
syntax = "proto3";
package vttime;
message Time {
  int64 seconds = 1;
  int32 nanoseconds = 2;
}
message Duration {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

export const VTORCDATA_PROTO = `
syntax = "proto3";
package vtorcdata;
message Keyspace {
  bool disable_emergency_reparent = 1;
}
message Shard {
  bool disable_emergency_reparent = 1;
}
`;

export const QUERY_PROTO = `
syntax = "proto3";
package query;
enum Type {
  NULL_TYPE = 0;
  INT8 = 257;
  UINT8 = 770;
  INT16 = 259;
  UINT16 = 772;
  INT24 = 261;
  UINT24 = 774;
  INT32 = 263;
  UINT32 = 776;
  INT64 = 265;
  UINT64 = 778;
  FLOAT32 = 1035;
  FLOAT64 = 1036;
  TIMESTAMP = 2061;
  DATE = 2062;
  TIME = 2063;
  DATETIME = 2064;
  YEAR = 785;
  DECIMAL = 18;
  TEXT = 6163;
  BLOB = 10260;
  VARCHAR = 6165;
  VARBINARY = 10262;
  CHAR = 6167;
  BINARY = 10264;
  BIT = 2073;
  ENUM = 2074;
  SET = 2075;
  TUPLE = 28;
  GEOMETRY = 2077;
  JSON = 2078;
  EXPRESSION = 31;
  HEXNUM = 4128;
  HEXVAL = 4129;
  BITNUM = 4130;
  VECTOR = 2083;
  RAW = 2084;
  ROW_TUPLE = 2085;
}
`;

export const TOPODATA_PROTO = `
syntax = "proto3";
package topodata;
message KeyRange {
  bytes start = 1;
  bytes end = 2;
}
enum KeyspaceType {
  NORMAL = 0;
  SNAPSHOT = 1;
}
message TabletAlias {
  string cell = 1;
  uint32 uid = 2;
}
enum TabletType {
  option allow_alias = true;
  UNKNOWN = 0;
  PRIMARY = 1;
  MASTER = 1;
  REPLICA = 2;
  RDONLY = 3;
  BATCH = 3;
  SPARE = 4;
  EXPERIMENTAL = 5;
  BACKUP = 6;
  RESTORE = 7;
  DRAINED = 8;
}
message Tablet {
  TabletAlias alias = 1;
  string hostname = 2;
  map<string, int32> port_map = 4;
  string keyspace = 5;
  string shard = 6;
  KeyRange key_range = 7;
  TabletType type = 8;
  string db_name_override = 9;
  map<string, string> tags = 10;
  string mysql_hostname = 12;
  int32 mysql_port = 13;
  vttime.Time primary_term_start_time = 14;
  uint32 default_conn_collation = 16;
  vttime.Time tablet_start_time = 17;
  vttime.Time tablet_shutdown_time = 18;
  reserved 3, 11, 15;
}
message Shard {
  TabletAlias primary_alias = 1;
  vttime.Time primary_term_start_time = 8;
  KeyRange key_range = 2;
  reserved 3;
  message SourceShard {
    int32 uid = 1;
    string keyspace = 2;
    string shard = 3;
    KeyRange key_range = 4;
    repeated string tables = 5;
  }
  repeated SourceShard source_shards = 4;
  message TabletControl {
    TabletType tablet_type = 1;
    repeated string cells = 2;
    reserved 3;
    repeated string denied_tables = 4;
    bool frozen = 5;
  }
  repeated TabletControl tablet_controls = 6;
  bool is_primary_serving = 7;
  reserved 5;
  vtorcdata.Shard vtorc_state = 9;
}
message Keyspace {
  reserved 1, 2, 3, 4;
  KeyspaceType keyspace_type = 5;
  string base_keyspace = 6;
  vttime.Time snapshot_time = 7;
  string durability_policy = 8;
  ThrottlerConfig throttler_config = 9;
  string sidecar_db_name = 10;
  vtorcdata.Keyspace vtorc_state = 11;
}
message ShardReplication {
  message Node {
    TabletAlias tablet_alias = 1;
  }
  repeated Node nodes = 1;
}
message ShardReference {
  string name = 1;
  KeyRange key_range = 2;
}
message ShardTabletControl {
  string name = 1;
  KeyRange key_range = 2;
  bool query_service_disabled = 3;
}
message ThrottledAppRule {
  string name = 1;
  double ratio = 2;
  vttime.Time expires_at = 3;
  bool exempt = 4;
}
message ThrottlerConfig {
  bool enabled = 1;
  double threshold = 2;
  string custom_query = 3;
  bool check_as_check_self = 4;
  map<string, ThrottledAppRule> throttled_apps = 5;
  message MetricNames {
    repeated string names = 1;
  }
  map<string, MetricNames> app_checked_metrics = 6;
  map<string, double> metric_thresholds = 7;
}
message SrvKeyspace {
  message KeyspacePartition {
    TabletType served_type = 1;
    repeated ShardReference shard_references = 2;
    repeated ShardTabletControl shard_tablet_controls = 3;
  }
  repeated KeyspacePartition partitions = 1;
  reserved 2, 3, 4, 5;
  ThrottlerConfig throttler_config = 6;
}
message CellInfo {
  string server_address = 1;
  string root = 2;
  reserved 3;
}
message CellsAlias {
  repeated string cells = 2;
}
message TopoConfig {
  string topo_type = 1;
  string server = 2;
  string root = 3;
}
message ExternalVitessCluster {
  TopoConfig topo_config = 1;
}
message ExternalClusters {
  repeated ExternalVitessCluster vitess_cluster = 1;
}
`;

export const VSCHEMA_PROTO = `
syntax = "proto3";
package vschema;
message RoutingRules {
  repeated RoutingRule rules = 1;
}
message RoutingRule {
  string from_table = 1;
  repeated string to_tables = 2;
}
message Keyspace {
  bool sharded = 1;
  map<string, Vindex> vindexes = 2;
  map<string, Table> tables = 3;
  bool require_explicit_routing = 4;
  ForeignKeyMode foreign_key_mode = 5;
  enum ForeignKeyMode {
    unspecified = 0;
    disallow = 1;
    unmanaged = 2;
    managed = 3;
  }
  MultiTenantSpec multi_tenant_spec = 6;
}
message MultiTenantSpec {
  string tenant_id_column_name = 1;
  query.Type tenant_id_column_type = 2;
}
message Vindex {
  string type = 1;
  map<string, string> params = 2;
  string owner = 3;
}
message Table {
  string type = 1;
  repeated ColumnVindex column_vindexes = 2;
  AutoIncrement auto_increment = 3;
  repeated Column columns = 4;
  string pinned = 5;
  bool column_list_authoritative = 6;
  string source = 7;
}
message ColumnVindex {
  string column = 1;
  string name = 2;
  repeated string columns = 3;
}
message AutoIncrement {
  string column = 1;
  string sequence = 2;
}
message Column {
  string name = 1;
  query.Type type = 2;
  bool invisible = 3;
  string default = 4;
  string collation_name = 5;
  int32 size = 6;
  int32 scale = 7;
  optional bool nullable = 8;
  repeated string values = 9;
}
message SrvVSchema {
  map<string, Keyspace> keyspaces = 1;
  RoutingRules routing_rules = 2;
  ShardRoutingRules shard_routing_rules = 3;
  KeyspaceRoutingRules keyspace_routing_rules = 4;
  MirrorRules mirror_rules = 5;
}
message ShardRoutingRules {
  repeated ShardRoutingRule rules = 1;
}
message ShardRoutingRule {
  string from_keyspace = 1;
  string to_keyspace = 2;
  string shard = 3;
}
message KeyspaceRoutingRules {
  repeated KeyspaceRoutingRule rules = 1;
}
message KeyspaceRoutingRule {
  string from_keyspace = 1;
  string to_keyspace = 2;
}
message MirrorRules {
  repeated MirrorRule rules = 1;
}
message MirrorRule {
  string from_table = 1;
  string to_table = 2;
  float percent = 3;
}
`;

export const BINLOGDATA_PROTO = `
syntax = "proto3";
package binlogdata;
message CharsetConversion {
  string from_charset = 1;
  string to_charset = 2;
}
message Rule {
  string match = 1;
  string filter = 2;
  map<string, string> convert_enum_to_text = 3;
  map<string, CharsetConversion> convert_charset = 4;
  string source_unique_key_columns = 5;
  string target_unique_key_columns = 6;
  string source_unique_key_target_columns = 7;
  map<string, bool> convert_int_to_enum = 8;
  string force_unique_key = 9;
}
message Filter {
  repeated Rule rules = 1;
  enum FieldEventMode {
    ERR_ON_MISMATCH = 0;
    BEST_EFFORT = 1;
  }
  FieldEventMode field_event_mode = 2;
  int64 workflow_type = 3;
  string workflow_name = 4;
}
enum OnDDLAction {
  IGNORE = 0;
  STOP = 1;
  EXEC = 2;
  EXEC_IGNORE = 3;
}
enum MigrationType {
  TABLES = 0;
  SHARDS = 1;
}
message BinlogSource {
  string keyspace = 1;
  string shard = 2;
  topodata.TabletType tablet_type = 3;
  topodata.KeyRange key_range = 4;
  repeated string tables = 5;
  Filter filter = 6;
  OnDDLAction on_ddl = 7;
  string external_mysql = 8;
  bool stop_after_copy = 9;
  string external_cluster = 10;
  string source_time_zone = 11;
  string target_time_zone = 12;
}
`;

/** The vtctldata wrappers vtctldclient prints (GetKeyspace, GetShard, FindAllShardsInKeyspace). */
export const VTCTLDATA_PROTO = `
syntax = "proto3";
package vtctldata;
message Keyspace {
  string name = 1;
  topodata.Keyspace keyspace = 2;
}
message Shard {
  string keyspace = 1;
  string name = 2;
  topodata.Shard shard = 3;
}
message FindAllShardsInKeyspaceResponse {
  map<string, Shard> shards = 1;
}
`;

export const ALL_PROTOS = [
  VTTIME_PROTO,
  VTORCDATA_PROTO,
  QUERY_PROTO,
  TOPODATA_PROTO,
  VSCHEMA_PROTO,
  BINLOGDATA_PROTO,
  VTCTLDATA_PROTO,
];
