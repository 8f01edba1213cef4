// Heartbeat writes on the source primaries, in a database of their own, as a real Vitess source
// keeps writing them (vttablet's heartbeat table): GTID positions move while the migrated tables
// do not. Each such transaction reaches a stream as an empty one, and the binlog reader folds
// runs of them into one item, so a position a stream must stop at can fall inside such a run.
import mysql from 'mysql2/promise';

/** Writes a heartbeat row on each source primary every `everyMs`, until stop (which drops the database). */
export async function startHeartbeats(ports: number[], everyMs = 100): Promise<{ stop: () => Promise<number> }> {
  const conns = await Promise.all(ports.map((port) => mysql.createConnection({ host: '127.0.0.1', port, user: 'root' })));
  for (const c of conns) {
    await c.query('CREATE DATABASE IF NOT EXISTS _vt_heartbeat');
    await c.query('CREATE TABLE IF NOT EXISTS _vt_heartbeat.heartbeat (id INT PRIMARY KEY, ts BIGINT)');
  }
  let beats = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const c of conns) await c.query('REPLACE INTO _vt_heartbeat.heartbeat VALUES (1, ?)', [Date.now()]);
      beats++;
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      for (const c of conns) {
        await c.query('DROP DATABASE IF EXISTS _vt_heartbeat');
        await c.end();
      }
      return beats;
    },
  };
}
