// Binary protobuf for topology records, driven by protobufjs reflection over proto-schema.ts.
//
// Records are handled as plain objects with camelCase field names (protoc's JSON names) and
// every default filled in on decode. On encode, proto3 defaults are left out, as Go's marshaler
// does: protobufjs would otherwise write a present-but-empty field for every '' or 0 it is given.
import * as protobuf from 'protobufjs';
import { ALL_PROTOS } from './proto-schema';

export type Plain = Record<string, unknown>;

let cachedRoot: protobuf.Root | undefined;

/** The protobufjs root holding every message of proto-schema.ts (proto names kept as declared). */
export function protoRoot(): protobuf.Root {
  if (!cachedRoot) {
    const root = new protobuf.Root();
    for (const text of ALL_PROTOS) protobuf.parse(text, root, { keepCase: true });
    root.resolveAll();
    cachedRoot = root;
  }
  return cachedRoot;
}

export function messageType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}

export function enumType(fullName: string): protobuf.Enum {
  return protoRoot().lookupEnum(fullName);
}

/** protoc's JSON name of a field: `column_vindexes` → `columnVindexes`. */
export function jsonName(protoName: string): string {
  let out = '';
  let upper = false;
  for (const ch of protoName) {
    if (ch === '_') {
      upper = true;
      continue;
    }
    out += upper ? ch.toUpperCase() : ch;
    upper = false;
  }
  return out;
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const NUMBER_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'double', 'float']);

export function isLongType(type: string): boolean {
  return LONG_TYPES.has(type);
}

/** A proto3 `optional` scalar: it has presence, so an unset value is not the same as a default. */
export function hasPresence(field: protobuf.Field): boolean {
  return Boolean((field.options as Record<string, unknown> | undefined)?.proto3_optional);
}

export function isMapField(field: protobuf.Field): field is protobuf.Field & protobuf.MapField {
  return field.map;
}

export function scalarDefault(type: string): unknown {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (type === 'bytes') return Buffer.alloc(0);
  return 0;
}

// ---- decode direction: protobufjs message → plain object with defaults ----

function plainValue(field: protobuf.Field, resolved: protobuf.ReflectionObject | null, value: unknown): unknown {
  if (resolved instanceof protobuf.Type) return toPlain(resolved, value as protobuf.Message);
  if (resolved instanceof protobuf.Enum) return typeof value === 'number' ? value : Number(value ?? 0);
  if (isLongType(field.type)) return longToNumber(value);
  if (field.type === 'bytes') return Buffer.from((value as Uint8Array | undefined) ?? []);
  return value;
}

export function longToNumber(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  return Number(String(value));
}

/** A decoded protobufjs message as a plain camelCase object with every default present. */
export function toPlain(type: protobuf.Type, msg: protobuf.Message | Plain | undefined): Plain {
  const src = (msg ?? {}) as Record<string, unknown>;
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const name = jsonName(field.name);
    const own = Object.prototype.hasOwnProperty.call(src, field.name) && src[field.name] !== null;
    const value = own ? src[field.name] : undefined;
    if (isMapField(field)) {
      const entries: Plain = {};
      for (const [k, v] of Object.entries((value as Record<string, unknown> | undefined) ?? {})) {
        entries[k] = plainValue(field, field.resolvedType, v);
      }
      out[name] = entries;
    } else if (field.repeated) {
      out[name] = ((value as unknown[] | undefined) ?? []).map((v) => plainValue(field, field.resolvedType, v));
    } else if (field.resolvedType instanceof protobuf.Type) {
      if (own) out[name] = toPlain(field.resolvedType, value as protobuf.Message);
    } else if (hasPresence(field)) {
      if (own) out[name] = plainValue(field, field.resolvedType, value);
    } else if (field.resolvedType instanceof protobuf.Enum) {
      out[name] = own ? plainValue(field, field.resolvedType, value) : 0;
    } else {
      out[name] = own ? plainValue(field, null, value) : scalarDefault(field.type);
    }
  }
  return out;
}

// ---- encode direction: plain object → protobufjs message without defaults ----

function isDefaultScalar(type: string, value: unknown): boolean {
  if (type === 'bytes') return (value as Uint8Array).length === 0;
  if (type === 'string') return value === '';
  if (type === 'bool') return value === false;
  if (isLongType(type)) return String(value) === '0';
  return value === 0;
}

function wireValue(field: protobuf.Field, resolved: protobuf.ReflectionObject | null, value: unknown): unknown {
  if (resolved instanceof protobuf.Type) return toWire(resolved, value as Plain);
  if (resolved instanceof protobuf.Enum) return enumNumber(resolved, value, field.name);
  if (isLongType(field.type)) return typeof value === 'bigint' ? value.toString() : value;
  if (field.type === 'bytes') return toBuffer(value);
  return value;
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (Array.isArray(value)) return Buffer.from(value as number[]);
  throw new TypeError(`bytes value expected, got ${typeof value}`);
}

/** An enum value given as number or name (case as declared) → its number. */
export function enumNumber(en: protobuf.Enum, value: unknown, fieldName: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(en.values, value)) return en.values[value];
  throw new TypeError(`invalid value for enum field ${fieldName}: ${JSON.stringify(value)}`);
}

/** A plain camelCase object as a protobufjs message object (proto names), defaults left out. */
export function toWire(type: protobuf.Type, plain: Plain | undefined): Plain {
  const src = plain ?? {};
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const value = src[jsonName(field.name)] ?? src[field.name];
    if (value === undefined || value === null) continue;
    if (isMapField(field)) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, wireValue(field, field.resolvedType, v)]));
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      out[field.name] = items.map((v) => wireValue(field, field.resolvedType, v));
    } else if (field.resolvedType instanceof protobuf.Type || hasPresence(field)) {
      out[field.name] = wireValue(field, field.resolvedType, value);
    } else {
      const v = wireValue(field, field.resolvedType, value);
      if (field.resolvedType instanceof protobuf.Enum ? v === 0 : isDefaultScalar(field.type, v)) continue;
      out[field.name] = v;
    }
  }
  return out;
}

export function encodeMessage(type: protobuf.Type, plain: Plain): Uint8Array {
  return type.encode(type.fromObject(toWire(type, plain))).finish();
}

export function decodeMessage(type: protobuf.Type, data: Uint8Array): Plain {
  return toPlain(type, type.decode(data));
}

// Keep NUMBER_TYPES referenced for readers: these are printed as JSON numbers.
export function isNumberType(type: string): boolean {
  return NUMBER_TYPES.has(type);
}
