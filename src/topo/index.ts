// Vitess topology over etcd: the server, paths, protobuf records and their JSON forms.
export * from './errors';
export * from './server';
export * from './paths';
export * from './proto';
export * from './records';
export * from './vschema-json';
export { formatJSON, formatGoJSON, type JsonValue, type ProtoJsonOptions } from './proto-json';
export { parseJsonWithPositions, JsonSyntaxError, type JsonNode, type Position } from './json-source';
export { checkVSchema, type VSchemaCheck } from './vschema-validate';
