// VSchema JSON, read and printed as Vitess does with protojson: field names in either spelling
// (`column_vindexes` or `columnVindexes`), unknown fields ignored (but reported here, so that
// ApplyVSchema can say which keys it dropped), and the output in vtctldclient's shape.
import { messageType } from './proto-codec';
import { JsonSyntaxError, parseJsonWithPositions, type Position } from './json-source';
import { ProtoJsonError, formatJSON, fromProtoJSON, type ProtoJsonOptions, type ProtoJsonWarning } from './proto-json';
import { RECORD_TYPES, normalizeRecord, recordToProtoJSON, type VSchema } from './proto';

export class VSchemaJsonError extends Error {
  readonly pos: Position;

  constructor(message: string, pos: Position) {
    super(message);
    this.name = 'VSchemaJsonError';
    this.pos = pos;
  }
}

export interface ParsedVSchema {
  vschema: VSchema;
  /** One line per ignored unknown field, with its location. */
  warnings: string[];
}

/**
 * Parses VSchema JSON. `source` names where it came from in error messages (a file name, or
 * `--vschema`). Malformed JSON and mistyped values throw VSchemaJsonError with line and column.
 */
export function parseVSchemaJSON(text: string, source = 'VSchema JSON'): ParsedVSchema {
  const warnings: ProtoJsonWarning[] = [];
  let plain;
  try {
    plain = fromProtoJSON(messageType(RECORD_TYPES.VSchema), parseJsonWithPositions(text), warnings);
  } catch (err) {
    if (err instanceof JsonSyntaxError || err instanceof ProtoJsonError) {
      const kind = err instanceof JsonSyntaxError ? 'malformed JSON' : 'invalid VSchema';
      throw new VSchemaJsonError(`${kind} in ${source} at line ${err.pos.line}, column ${err.pos.column}: ${err.reason}`, err.pos);
    }
    throw err;
  }
  return {
    vschema: normalizeRecord<VSchema>('VSchema', plain as unknown as VSchema),
    warnings: warnings.map((w) => `${w.message} at ${w.path} (line ${w.pos.line}, column ${w.pos.column}) was ignored`),
  };
}

/** The VSchema as a protojson object, as vtctldclient prints it (GetVSchema, ApplyVSchema). */
export function vschemaToJSON(vschema: VSchema, opts: ProtoJsonOptions = {}): ReturnType<typeof recordToProtoJSON> {
  return recordToProtoJSON('VSchema', vschema, opts);
}

/** vschemaToJSON as two-space indented text. */
export function formatVSchemaJSON(vschema: VSchema, opts: ProtoJsonOptions = {}): string {
  return formatJSON(vschemaToJSON(vschema, opts));
}
