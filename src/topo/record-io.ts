// Typed reads and writes of one record at one path: the binary protobuf of proto.ts over a
// TopoServer, with Vitess's "bad <record> data" wording when a node does not decode.
import * as path from 'node:path';
import { decodeRecord, encodeRecord, type RecordInput, type RecordKind } from './proto';
import type { TopoServer } from './server';

export interface Versioned<T> {
  record: T;
  version: string;
}

/** Reads and decodes a record; NoNode (with the full key) if it is absent. */
export async function readRecord<T>(topo: TopoServer, kind: RecordKind, relPath: string): Promise<Versioned<T>> {
  const { value, version } = await topo.get(relPath);
  try {
    return { record: decodeRecord(kind, value) as T, version };
  } catch (err) {
    throw new Error(`bad ${kind} data at ${path.posix.join(topo.root, relPath)}: ${(err as Error).message}`);
  }
}

/** Create-or-update; with a version, only if the node still has it (BadVersion otherwise). */
export async function writeRecord<T>(topo: TopoServer, kind: RecordKind, relPath: string, record: RecordInput<T> | T, version?: string): Promise<string> {
  return topo.update(relPath, encodeRecord(kind, record as object), version);
}

/** Create only; NodeExists (with the full key) if the node is already there. */
export async function createRecord<T>(topo: TopoServer, kind: RecordKind, relPath: string, record: RecordInput<T> | T): Promise<string> {
  return topo.create(relPath, encodeRecord(kind, record as object));
}
