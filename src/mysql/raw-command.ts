// The mysql2 internals our own protocol commands run on: the binlog dump (binlog-dump.ts) and
// the copy's raw-row SELECT (raw-rows.ts). mysql2 runs a command by handing its execute() every
// packet that arrives until execute() returns true; the command writes its own request first.
import type { Connection } from './connect';

/** mysql2's callback-API connection, under the promise one. */
export interface CoreConnection {
  threadId: number;
  clientEncoding: string;
  addCommand(cmd: unknown): void;
  writePacket(packet: unknown): void;
  format(sql: string, values: unknown): string;
  pause(): void;
  resume(): void;
  _resetSequenceId(): void;
}

/** A packet as mysql2 hands it over: the payload is buffer[offset, end). */
export interface MysqlPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isError(): boolean;
  asError(encoding?: string): Error;
}

export function coreConnection(conn: Connection): CoreConnection {
  return (conn as unknown as { connection: CoreConnection }).connection;
}

/** A client packet for mysql2's writePacket: `payload` after the 4-byte header mysql2 fills in. */
export function clientPacket(payload: Buffer): { buffer: Buffer; length(): number; writeHeader(seq: number): void } {
  const buffer = Buffer.allocUnsafe(4 + payload.length);
  payload.copy(buffer, 4);
  return {
    buffer,
    length: () => buffer.length,
    writeHeader(seq: number) {
      buffer.writeUIntLE(buffer.length - 4, 0, 3);
      buffer[3] = seq;
    },
  };
}

/**
 * The parts of a mysql2 command besides execute(): `failed` gets a connection-level error (the
 * connection closed or broke while the command was queued or running).
 */
export function commandShell(name: string, failed: (err: Error | null) => void): { onResult(err: Error | null): void; on(): unknown; once(): unknown; emit(): boolean; stateName(): string } {
  const shell = {
    onResult: failed,
    on: () => shell,
    once: () => shell,
    emit: () => false,
    stateName: () => name,
  };
  return shell;
}
