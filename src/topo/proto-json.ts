// JSON forms of topology records, as Vitess prints and reads them.
//
// - toProtoJSON: Go's protojson with vtctldclient's options (UseProtoNames, EmitUnpopulated
//   unless --compact, enum names, int64 as strings, bytes as base64, map keys sorted, fields in
//   declaration order; unset messages are null, unset proto3-optional fields are left out).
// - toGoJSON: Go's encoding/json over the generated structs, which vtctldclient falls back to
//   for slices (GetKeyspaces, GetTablets --format json): `omitempty` everywhere, enums and int64
//   as numbers, and <, >, & escaped.
// - fromProtoJSON: protojson parsing with DiscardUnknown, accepting both the proto name and the
//   JSON name of every field; unknown fields become warnings, bad values errors with a position.
import * as protobuf from 'protobufjs';
import { hasPresence, isLongType, isMapField, jsonName, type Plain } from './proto-codec';
import type { JsonNode, Position } from './json-source';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ProtoJsonOptions {
  /** false = vtctldclient --compact */
  emitUnpopulated?: boolean;
}

function firstEnumName(en: protobuf.Enum, value: number): string | number {
  // valuesById keeps the first name declared for a number (PRIMARY over MASTER), like Go.
  return en.valuesById[value] ?? value;
}

function bytesOf(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.alloc(0);
}

function floatJSON(value: number, type: string): JsonValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (type !== 'float') return value;
  // A float32 read into a double prints with float32's shortest form, as Go does.
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(value.toPrecision(p));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}

function protoScalarJSON(field: protobuf.Field, resolved: protobuf.ReflectionObject | null, value: unknown, opts: ProtoJsonOptions): JsonValue {
  if (resolved instanceof protobuf.Type) return toProtoJSON(resolved, value as Plain, opts);
  if (resolved instanceof protobuf.Enum) return firstEnumName(resolved, Number(value));
  if (isLongType(field.type)) return String(value ?? 0);
  if (field.type === 'bytes') return bytesOf(value).toString('base64');
  if (field.type === 'double' || field.type === 'float') return floatJSON(Number(value), field.type);
  return value as JsonValue;
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (field.resolvedType instanceof protobuf.Enum) return Number(value) === 0;
  if (field.type === 'bytes') return bytesOf(value).length === 0;
  if (field.type === 'string') return value === '';
  if (field.type === 'bool') return value === false;
  if (isLongType(field.type)) return String(value) === '0';
  return value === 0;
}

/** protojson of a plain record (see proto-codec.ts) as vtctldclient prints it. */
export function toProtoJSON(type: protobuf.Type, plain: Plain | undefined, opts: ProtoJsonOptions = {}): { [key: string]: JsonValue } {
  const emit = opts.emitUnpopulated ?? true;
  const src = plain ?? {};
  const out: { [key: string]: JsonValue } = {};
  for (const field of type.fieldsArray) {
    const value = src[jsonName(field.name)];
    if (isMapField(field)) {
      const entries = Object.entries((value as Record<string, unknown> | undefined) ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (entries.length === 0 && !emit) continue;
      out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, protoScalarJSON(field, field.resolvedType, v, opts)]));
    } else if (field.repeated) {
      const items = (value as unknown[] | undefined) ?? [];
      if (items.length === 0 && !emit) continue;
      out[field.name] = items.map((v) => protoScalarJSON(field, field.resolvedType, v, opts));
    } else if (field.resolvedType instanceof protobuf.Type) {
      if (value === undefined || value === null) {
        if (emit) out[field.name] = null;
        continue;
      }
      out[field.name] = toProtoJSON(field.resolvedType, value as Plain, opts);
    } else if (hasPresence(field)) {
      if (value === undefined || value === null) continue;
      out[field.name] = protoScalarJSON(field, field.resolvedType, value, opts);
    } else {
      if (isDefault(field, value) && !emit) continue;
      out[field.name] = protoScalarJSON(field, field.resolvedType, value ?? defaultFor(field), opts);
    }
  }
  return out;
}

function defaultFor(field: protobuf.Field): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return 0;
  if (field.type === 'string') return '';
  if (field.type === 'bool') return false;
  if (field.type === 'bytes') return Buffer.alloc(0);
  return 0;
}

function goScalarJSON(field: protobuf.Field, resolved: protobuf.ReflectionObject | null, value: unknown): JsonValue {
  if (resolved instanceof protobuf.Type) return toGoJSON(resolved, value as Plain);
  if (resolved instanceof protobuf.Enum) return Number(value);
  if (isLongType(field.type)) return Number(value);
  if (field.type === 'bytes') return bytesOf(value).toString('base64');
  return value as JsonValue;
}

/** Go's encoding/json of the generated struct for a plain record (omitempty on every field). */
export function toGoJSON(type: protobuf.Type, plain: Plain | undefined): { [key: string]: JsonValue } {
  const src = plain ?? {};
  const out: { [key: string]: JsonValue } = {};
  for (const field of type.fieldsArray) {
    const value = src[jsonName(field.name)];
    if (value === undefined || value === null) continue;
    if (isMapField(field)) {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (entries.length === 0) continue;
      out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, goScalarJSON(field, field.resolvedType, v)]));
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      out[field.name] = items.map((v) => goScalarJSON(field, field.resolvedType, v));
    } else if (field.resolvedType instanceof protobuf.Type || hasPresence(field)) {
      out[field.name] = goScalarJSON(field, field.resolvedType, value);
    } else {
      if (isDefault(field, value)) continue;
      out[field.name] = goScalarJSON(field, field.resolvedType, value);
    }
  }
  return out;
}

/** Two-space indented JSON, as protojson's Multiline and Go's MarshalIndent both print it. */
export function formatJSON(value: JsonValue): string {
  return JSON.stringify(value, null, 2);
}

/** formatJSON plus encoding/json's HTML-safe escaping of <, >, & and U+2028/2029. */
export function formatGoJSON(value: JsonValue, indent = true): string {
  return JSON.stringify(value, null, indent ? 2 : undefined)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// ---- reading protojson ----

export class ProtoJsonError extends Error {
  readonly pos: Position;
  readonly reason: string;

  constructor(pos: Position, reason: string) {
    super(`(line ${pos.line}:${pos.column}): ${reason}`);
    this.name = 'ProtoJsonError';
    this.pos = pos;
    this.reason = reason;
  }
}

export interface ProtoJsonWarning {
  pos: Position;
  /** Dotted location of the unknown field, e.g. `tables.customer.colum_vindexes`. */
  path: string;
  message: string;
}

function describe(node: JsonNode): string {
  switch (node.kind) {
    case 'string':
      return JSON.stringify(node.value);
    case 'number':
      return node.text;
    case 'bool':
      return String(node.value);
    case 'null':
      return 'null';
    default:
      return node.kind === 'object' ? 'an object' : 'an array';
  }
}

const INT32_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  sint32: [-2147483648, 2147483647],
  sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  fixed32: [0, 4294967295],
};

function kindName(field: protobuf.Field): string {
  if (field.resolvedType instanceof protobuf.Enum) return 'enum';
  if (field.resolvedType instanceof protobuf.Type) return 'message';
  return field.type;
}

// `parent` is the dotted path of the object holding the field ('' at the top), `path` the value's own.
function scalarFromJSON(field: protobuf.Field, node: JsonNode, parent: string, path: string, warnings: ProtoJsonWarning[]): unknown {
  const bad = (): never => {
    throw new ProtoJsonError(node.pos, `invalid value for ${kindName(field)} field ${field.name}${parent ? ` in ${parent}` : ''}: ${describe(node)}`);
  };
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (node.kind !== 'object') bad();
    return fromProtoJSONNode(resolved, node, path, warnings);
  }
  if (resolved instanceof protobuf.Enum) {
    if (node.kind === 'string') {
      if (Object.prototype.hasOwnProperty.call(resolved.values, node.value)) return resolved.values[node.value];
      return bad();
    }
    if (node.kind === 'number' && Number.isInteger(node.value)) return node.value;
    return bad();
  }
  switch (field.type) {
    case 'string':
      return node.kind === 'string' ? node.value : bad();
    case 'bool':
      return node.kind === 'bool' ? node.value : bad();
    case 'bytes': {
      if (node.kind !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(node.value)) return bad();
      return Buffer.from(node.value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    }
    case 'double':
    case 'float': {
      if (node.kind === 'number') return node.value;
      if (node.kind === 'string') {
        if (node.value === 'NaN') return NaN;
        if (node.value === 'Infinity') return Infinity;
        if (node.value === '-Infinity') return -Infinity;
        if (node.value.trim() !== '' && Number.isFinite(Number(node.value))) return Number(node.value);
      }
      return bad();
    }
    default: {
      // integers: a JSON number or a string holding one, integral and in range
      const text = node.kind === 'number' ? node.text : node.kind === 'string' ? node.value : '';
      if (!/^-?\d+(\.0*)?([eE][+-]?\d+)?$/.test(text)) return bad();
      const value = Number(text);
      if (!Number.isInteger(value)) return bad();
      const range = INT32_RANGE[field.type];
      if (range && (value < range[0] || value > range[1])) return bad();
      if (isLongType(field.type)) {
        if ((field.type.startsWith('u') || field.type === 'fixed64') && value < 0) return bad();
        return /^-?\d+$/.test(text) ? text : String(value);
      }
      return value;
    }
  }
}

function fromProtoJSONNode(type: protobuf.Type, node: JsonNode, path: string, warnings: ProtoJsonWarning[]): Plain {
  if (node.kind !== 'object') {
    throw new ProtoJsonError(node.pos, `expected an object for ${type.name}${path ? ` at ${path}` : ''}, got ${describe(node)}`);
  }
  const byName = new Map<string, protobuf.Field>();
  for (const field of type.fieldsArray) {
    byName.set(field.name, field);
    byName.set(jsonName(field.name), field);
  }
  const out: Plain = {};
  const seen = new Set<string>();
  for (const { key, keyPos, value } of node.entries) {
    const field = byName.get(key);
    const fieldPath = path ? `${path}.${key}` : key;
    if (!field) {
      warnings.push({ pos: keyPos, path: fieldPath, message: `unknown field "${key}"` });
      continue;
    }
    if (seen.has(field.name)) throw new ProtoJsonError(keyPos, `duplicate field "${key}"${path ? ` in ${path}` : ''}`);
    seen.add(field.name);
    if (value.kind === 'null') continue; // null means unset, as in protojson
    const name = jsonName(field.name);
    const where = path ? ` in ${path}` : '';
    if (isMapField(field)) {
      if (value.kind !== 'object') throw new ProtoJsonError(value.pos, `invalid value for map field ${field.name}${where}: ${describe(value)}`);
      const entries: Plain = {};
      const seenKeys = new Set<string>();
      for (const entry of value.entries) {
        if (seenKeys.has(entry.key)) throw new ProtoJsonError(entry.keyPos, `duplicate map key "${entry.key}" in ${fieldPath}`);
        seenKeys.add(entry.key);
        if (entry.value.kind === 'null') throw new ProtoJsonError(entry.value.pos, `invalid value for map field ${field.name}${where}: null`);
        entries[entry.key] = scalarFromJSON(field, entry.value, fieldPath, `${fieldPath}.${entry.key}`, warnings);
      }
      out[name] = entries;
    } else if (field.repeated) {
      if (value.kind !== 'array') throw new ProtoJsonError(value.pos, `invalid value for repeated field ${field.name}${where}: ${describe(value)}`);
      out[name] = value.items.map((item, i) => {
        if (item.kind === 'null') throw new ProtoJsonError(item.pos, `invalid value for repeated field ${field.name}${where}: null`);
        return scalarFromJSON(field, item, path, `${fieldPath}[${i}]`, warnings);
      });
    } else {
      out[name] = scalarFromJSON(field, value, path, fieldPath, warnings);
    }
  }
  return out;
}

/**
 * A parsed JSON document (json-source.ts) as a plain record of `type`; defaults are not filled in
 * (pass the result through the record's normaliser or encode/decode for that).
 */
export function fromProtoJSON(type: protobuf.Type, node: JsonNode, warnings: ProtoJsonWarning[] = []): Plain {
  return fromProtoJSONNode(type, node, '', warnings);
}
