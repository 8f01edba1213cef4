// Writes to the source while streams run or stand still, each change its own autocommit
// transaction on the primary of the shard its id belongs to (the OLTP shape): a fixed backlog
// as fast as the source takes it, or a sustained rate.
//
// The mix, per change: 50% UPDATE of a random narrow row, 25% INSERT of a new narrow row, 15%
// DELETE of a narrow row inserted earlier by this writer, 10% UPDATE of a random wide row's
// ~2 KB body. Every change is one row event.
import type { Connection } from '../src/mysql/connect';
import { prng } from '../src/local/commerce-load';
import { rootConnection } from './dataset';
import { SOURCE_DB } from './schema';
import { shardOfId } from './dataset';
import { sleep } from './stats';

const WORDS = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit', 'sed', 'do', 'eiusmod', 'tempor'];

export class SourceWriter {
  private readonly r = prng(20240501);
  private nextId = 0;
  private readonly inserted: number[] = [];
  private constructor(private readonly conns: Connection[], private readonly shardOf: (id: number) => number,
    private readonly narrowRows: number, private readonly wideRows: number) {}

  static async open(primaries: { shard: string; port: number }[], narrowRows: number, wideRows: number): Promise<SourceWriter> {
    const conns = await Promise.all(primaries.map((p) => rootConnection(p.port, { database: SOURCE_DB, multipleStatements: true })));
    const w = new SourceWriter(conns, shardOfId(primaries.map((p) => p.shard)), narrowRows, wideRows);
    let max = narrowRows;
    for (const c of conns) {
      const [rows] = await c.query('SELECT COALESCE(MAX(id), 0) AS m FROM narrow');
      max = Math.max(max, Number((rows as { m: number }[])[0].m));
    }
    w.nextId = max + 1;
    return w;
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.end().catch(() => c.destroy())));
  }

  private text(length: number): string {
    let s = '';
    while (s.length < length) s += (s ? ' ' : '') + WORDS[Math.floor(this.r() * WORDS.length)];
    return s.slice(0, length);
  }

  /** One change as [shard index, statement]. */
  private change(): [number, string] {
    const x = this.r();
    if (x < 0.5) {
      const id = 1 + Math.floor(this.r() * this.narrowRows);
      return [this.shardOf(id), `UPDATE narrow SET price = ${(this.r() * 10000).toFixed(2)}, status = ${Math.floor(this.r() * 5)}, note = '${this.text(40)}' WHERE id = ${id}`];
    }
    if (x < 0.75 || (x < 0.9 && this.inserted.length === 0)) {
      const id = this.nextId++;
      this.inserted.push(id);
      return [this.shardOf(id), `INSERT INTO narrow (id, customer_id, price, status, created, name, note) VALUES ` +
        `(${id}, ${1 + Math.floor(this.r() * 100000)}, ${(this.r() * 10000).toFixed(2)}, 1, UTC_TIMESTAMP(), 'customer-${id} new', '${this.text(40)}')`];
    }
    if (x < 0.9) {
      const id = this.inserted.splice(Math.floor(this.r() * this.inserted.length), 1)[0];
      return [this.shardOf(id), `DELETE FROM narrow WHERE id = ${id}`];
    }
    const id = 1 + Math.floor(this.r() * this.wideRows);
    return [this.shardOf(id), `UPDATE wide SET updated = UTC_TIMESTAMP(), body = '${this.text(1950 + Math.floor(this.r() * 100))}' WHERE id = ${id}`];
  }

  /** Runs `n` changes, 500 statements per round trip per shard, shards in parallel. */
  async backlog(n: number): Promise<void> {
    const perShard: string[][] = this.conns.map(() => []);
    for (let i = 0; i < n; i++) {
      const [s, sql] = this.change();
      perShard[s].push(sql);
    }
    await Promise.all(perShard.map(async (stmts, s) => {
      for (let i = 0; i < stmts.length; i += 500) await this.conns[s].query(stmts.slice(i, i + 500).join(';'));
    }));
  }

  /**
   * `rate` changes per second for `seconds`, sent every 20 ms. Returns the rate achieved (lower
   * than asked when the source cannot keep up).
   */
  async sustained(rate: number, seconds: number): Promise<number> {
    const t0 = Date.now();
    let sent = 0;
    const busy = this.conns.map(() => Promise.resolve());
    while (Date.now() - t0 < seconds * 1000) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate) - sent;
      if (due > 0) {
        const perShard: string[][] = this.conns.map(() => []);
        for (let i = 0; i < due; i++) {
          const [s, sql] = this.change();
          perShard[s].push(sql);
        }
        sent += due;
        // One outstanding batch per shard: a slow source shows up as a lower achieved rate.
        await Promise.all(perShard.map((stmts, s) => {
          if (stmts.length === 0) return busy[s];
          busy[s] = busy[s].then(() => this.conns[s].query(stmts.join(';')).then(() => undefined));
          return busy[s];
        }));
      }
      await sleep(20);
    }
    await Promise.all(busy);
    return sent / ((Date.now() - t0) / 1000);
  }
}
