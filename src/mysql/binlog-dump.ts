// A MariaDB binlog dump connection: asks the server for its binlog from a GTID position
// (COM_BINLOG_DUMP after SET @slave_connect_state, as a MariaDB replica does) and hands each
// event's bytes to a callback, synchronously, as mysql2 reads them off the socket.
//
// mysql2 runs the dump as a command on its connection; pause()/resume() stop and restart
// reading the socket (packets already read are queued by mysql2, not lost), which is how the
// consumer's backpressure reaches the server.
import { abortConnection, connectMysql, type Connection, type MysqlEndpoint } from './connect';
import { clientPacket, commandShell, coreConnection, type CoreConnection, type MysqlPacket } from './raw-command';

/** The common header of every binlog event (19 bytes). */
export interface EventHeader {
  /** Seconds since the epoch. */
  timestamp: number;
  type: number;
  serverId: number;
  /** Offset of the event's post-header in `buf`. */
  body: number;
  /** End of the event's data in `buf` (its checksum excluded). */
  end: number;
}

/** The event types the MariaDB source acts on (the others, e.g. rotate or GTID list, it skips). */
export const enum EventType {
  Query = 2, Xid = 16, TableMap = 19, WriteRowsV1 = 23, UpdateRowsV1 = 24, DeleteRowsV1 = 25, Heartbeat = 27,
  WriteRowsV2 = 30, UpdateRowsV2 = 31, DeleteRowsV2 = 32, XaPrepare = 38, MariadbGtid = 162,
  MariadbQueryCompressed = 165, MariadbWriteRowsCompressedV1 = 166, MariadbDeleteRowsCompressed = 171,
}

export interface DumpHandlers {
  event(buf: Buffer, header: EventHeader): void;
  /** The connection ended or failed; called once. */
  error(err: Error): void;
}

export interface BinlogDump {
  pause(): void;
  resume(): void;
  /** Closes the connection; the server's dump thread goes once it notices (or is killed). */
  close(): void;
  /** The server's id of the dump connection (for KILL). */
  readonly threadId: number;
}

const HEADER_BYTES = 19;
const COM_BINLOG_DUMP = 0x12;

/** The COM_BINLOG_DUMP request. */
function dumpPacket(serverId: number): ReturnType<typeof clientPacket> {
  const payload = Buffer.alloc(11);
  payload[0] = COM_BINLOG_DUMP;
  payload.writeUInt32LE(4, 1); // binlog position: ignored with @slave_connect_state
  payload.writeUInt16LE(0, 5); // flags: blocking
  payload.writeUInt32LE(serverId, 7);
  // The binlog file name (empty) runs to the end of the packet.
  return clientPacket(payload);
}

/**
 * Starts dumping the binlog of a MariaDB server after `gtidPosition` ('' = from its oldest
 * binlog). Resolves once the dump request is sent; server errors (a purged position, say)
 * arrive through handlers.error.
 */
export async function startMariadbDump(
  endpoint: Pick<MysqlEndpoint, 'host' | 'port' | 'user' | 'password'>,
  opts: { serverId: number; gtidPosition: string; heartbeatSeconds: number },
  handlers: DumpHandlers,
): Promise<BinlogDump> {
  const conn: Connection = await connectMysql({ ...endpoint });
  let checksum: boolean;
  try {
    const [rows] = await conn.query('SELECT @@GLOBAL.binlog_checksum AS c');
    checksum = String((rows as { c: string }[])[0].c).toUpperCase() !== 'NONE';
    // Declaring that we understand checksums makes the server send events as it stored them;
    // capability 4 makes it send GTID events (not BEGIN queries); the position is the replica's.
    await conn.query('SET @master_binlog_checksum = @@GLOBAL.binlog_checksum');
    await conn.query('SET @mariadb_slave_capability = 4');
    await conn.query('SET @slave_connect_state = ?', [opts.gtidPosition]);
    await conn.query('SET @master_heartbeat_period = ?', [Math.round(opts.heartbeatSeconds * 1e9)]);
  } catch (err) {
    conn.destroy();
    throw err;
  }
  const core = coreConnection(conn);
  const trailer = checksum ? 4 : 0;
  let done = false;
  const finish = (err: Error) => {
    if (done) return;
    done = true;
    handlers.error(err);
  };

  // A mysql2 command: execute() gets every packet until it returns true.
  let started = false;
  const command = {
    ...commandShell('binlog', (err) => finish(err ?? new Error('binlog connection closed'))),
    execute(packet: MysqlPacket | undefined, connection: CoreConnection): boolean {
      if (!started) {
        started = true;
        connection._resetSequenceId();
        connection.writePacket(dumpPacket(opts.serverId));
        return false;
      }
      if (!packet) return false;
      const buf = packet.buffer;
      const marker = buf[packet.offset];
      if (marker === 0xff) {
        finish(packet.asError(connection.clientEncoding));
        return true;
      }
      if (marker === 0xfe && packet.end - packet.offset < 9) {
        finish(Object.assign(new Error('the server ended the binlog stream'), { code: 'PROTOCOL_CONNECTION_LOST' }));
        return true;
      }
      if (done) return false;
      const at = packet.offset + 1;
      const size = buf.readUInt32LE(at + 9);
      const header: EventHeader = {
        timestamp: buf.readUInt32LE(at),
        type: buf[at + 4],
        serverId: buf.readUInt32LE(at + 5),
        body: at + HEADER_BYTES,
        end: at + size - trailer,
      };
      try {
        handlers.event(buf, header);
      } catch (err) {
        finish(err as Error);
      }
      return false;
    },
  };
  (conn as unknown as { on(ev: string, f: (err: Error) => void): void }).on('error', (err: Error) => finish(err));
  core.addCommand(command);

  return {
    pause: () => core.pause(),
    resume: () => core.resume(),
    close: () => {
      done = true;
      // The socket itself: a half-close would leave it open while the server does not answer.
      abortConnection(conn, new Error('binlog dump closed'));
    },
    threadId: core.threadId,
  };
}
