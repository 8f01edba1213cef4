// Replication health of a MariaDB/MySQL replica, as the tablet picker and the local tool read it.
import type { Connection } from './connect';

export interface ReplicaStatus { ioRunning: boolean; sqlRunning: boolean; lastError: string }

export async function replicaStatus(conn: Connection): Promise<ReplicaStatus | undefined> {
  const [rows] = await conn.query('SHOW SLAVE STATUS');
  const row = (rows as Record<string, unknown>[])[0];
  if (!row) return undefined;
  return {
    ioRunning: row.Slave_IO_Running === 'Yes',
    sqlRunning: row.Slave_SQL_Running === 'Yes',
    lastError: String(row.Last_Error || row.Last_IO_Error || row.Last_SQL_Error || ''),
  };
}

