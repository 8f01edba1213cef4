// A SELECT over the text protocol whose rows are handed over as the bytes of their packets: the
// copy's read path. mysql2 would build an array and a Buffer per value for every row (with
// typeCast off), most of the worker's CPU in a copy whose rows only pass through; here a row is
// a range of a packet buffer, read field by field with RawRow. mysql2 never writes into a
// buffer it has handed over (each socket read is a new Buffer, and a packet split across reads
// is joined into a new one), so a row's bytes stay valid after its callback.
import type { Connection } from './connect';
import { clientPacket, commandShell, coreConnection, type CoreConnection, type MysqlPacket } from './raw-command';

const COM_QUERY = 0x03;
const NULL_FIELD = 0xfb;

/**
 * The fields of one text-protocol row: each a length-encoded string, or 0xfb for NULL. `next()`
 * steps to the next field and sets `from`/`to` (its bytes) or `isNull`.
 */
export class RawRow {
  buf: Buffer = Buffer.alloc(0);
  private at = 0;
  private end = 0;
  from = 0;
  to = 0;
  isNull = false;

  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.at = start;
    this.end = end;
    return this;
  }

  next(): void {
    const b = this.buf;
    let p = this.at;
    if (p >= this.end) throw new Error('a row packet ended before its last field');
    const first = b[p];
    let len: number;
    if (first < 0xfb) { len = first; p += 1; }
    else if (first === NULL_FIELD) { this.isNull = true; this.from = this.to = this.at = p + 1; return; }
    else if (first === 0xfc) { len = b[p + 1] | (b[p + 2] << 8); p += 3; }
    else if (first === 0xfd) { len = b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16); p += 4; }
    else { len = b.readUInt32LE(p + 1) + b.readUInt32LE(p + 5) * 2 ** 32; p += 9; }
    this.isNull = false;
    this.from = p;
    this.to = this.at = p + len;
  }

  /** The current field's bytes (a view), or null. */
  value(): Buffer | null {
    return this.isNull ? null : this.buf.subarray(this.from, this.to);
  }

  /** The current field through `decode` (text-values.ts textFieldDecoder), or null. */
  decode<T>(decode: (buf: Buffer, from: number, to: number) => T): T | null {
    return this.isNull ? null : decode(this.buf, this.from, this.to);
  }

  /** Steps to field `i` (0-based) of the row the reader was just reset to. */
  seek(i: number): this {
    for (let k = 0; k <= i; k++) this.next();
    return this;
  }
}

/**
 * Runs `sql` (a SELECT of `columns` columns; `params` bound client-side as conn.query binds
 * them) and calls `onRow` with each row's packet bytes [start, end) as they arrive. Resolves
 * with the row count once the result is complete. If `onRow` throws, the remaining rows are
 * read and dropped (the connection stays usable) and the promise rejects with that error.
 */
export function streamRawRows(conn: Connection, sql: string, params: unknown[], columns: number,
  onRow: (buf: Buffer, start: number, end: number) => void): Promise<number> {
  const core: CoreConnection = coreConnection(conn);
  const text = params.length > 0 ? core.format(sql, params) : sql;
  return new Promise((resolve, reject) => {
    let state: 'start' | 'header' | 'fields' | 'fieldsEnd' | 'rows' = 'start';
    let fieldsLeft = 0;
    let count = 0;
    let failed: Error | undefined;
    let settled = false;
    const settle = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(count);
    };
    const isEof = (p: MysqlPacket) => p.buffer[p.offset] === 0xfe && p.end - p.offset < 13;
    const command = {
      ...commandShell('raw-rows', (err) => settle(err ?? new Error('the connection closed during a query'))),
      execute(packet: MysqlPacket | undefined, connection: CoreConnection): boolean {
        if (state === 'start') {
          state = 'header';
          connection._resetSequenceId();
          connection.writePacket(clientPacket(Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(text, 'utf8')])));
          return false;
        }
        if (!packet) return false;
        if (packet.isError()) {
          settle(packet.asError(connection.clientEncoding));
          return true;
        }
        switch (state) {
          case 'header': {
            const first = packet.buffer[packet.offset];
            if (first === 0 || first === 0xfb || first >= 0xfe) {
              settle(new Error(`expected a result set of ${columns} columns, got a packet starting 0x${first.toString(16)}`));
              return true;
            }
            const n = first < 0xfb ? first : first === 0xfc ? packet.buffer.readUInt16LE(packet.offset + 1) : packet.buffer.readUIntLE(packet.offset + 1, 3);
            if (n !== columns) failed = new Error(`expected ${columns} columns, the server sent ${n}`);
            fieldsLeft = n;
            state = 'fields';
            return false;
          }
          case 'fields':
            if (--fieldsLeft === 0) state = 'fieldsEnd';
            return false;
          case 'fieldsEnd':
            // mysql2 does not ask for CLIENT_DEPRECATE_EOF: the column definitions end with an EOF.
            state = 'rows';
            return false;
          case 'rows':
            if (isEof(packet)) {
              settle(failed);
              return true;
            }
            count++;
            if (failed) return false;
            try {
              onRow(packet.buffer, packet.offset, packet.end);
            } catch (err) {
              failed = err instanceof Error ? err : new Error(String(err));
            }
            return false;
        }
      },
    };
    core.addCommand(command);
  });
}
