// Rows for the example `commerce` keyspace, written the way vtgate would place them: each row
// goes to the primary of the shard its keyspace id belongs to (hash on customer_id for customer
// and corder, hash on order_id for order_line, binary_md5 on sku for product). Used by the demo
// to seed the source and keep a light write load on it, and by tests as the application load.
// Moving an order to another customer can move it to another shard: like vtgate, that is a
// delete on the old shard and an insert on the new one.
import mysql from 'mysql2/promise';
import { binaryMd5KeyspaceId, findShardForKeyspaceId, hashKeyspaceId, parseShardName } from '../vindex';

export interface ShardEndpoint { shard: string; host: string; port: number; user: string; password?: string; database: string }

interface Shards { list: { name: string; keyRange: ReturnType<typeof parseShardName>; pool: mysql.Pool }[] }

/** A small deterministic PRNG (mulberry32), so a seed gives the same data every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Ada', 'Grace', 'Linus', 'Zoë', 'Émile', 'Søren', '李雷', 'Ōtani', 'Nuño', 'Chloé 🎉'];
const SKU_WORDS = ['Apple', 'apple', 'ÁPPLE', 'Banana', 'banäna', 'Cherry', 'cherry', 'Durian', 'Éclair', 'Fig'];

function datetime6(r: () => number): string {
  const ms = Date.UTC(2020, 0, 1) + Math.floor(r() * 5 * 365 * 86400_000);
  const micros = String(Math.floor(r() * 1_000_000)).padStart(6, '0');
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + '.' + micros;
}

function decimal(r: () => number, max: number): string {
  return (Math.floor(r() * max * 100) / 100).toFixed(2);
}

export class CommerceWriter {
  private readonly shards: Shards;
  private readonly r: () => number;
  /** Keys known to exist, so updates and deletes hit real rows. */
  readonly customers = new Set<number>();
  readonly orders = new Map<number, number>(); // order_id -> customer_id
  readonly lines = new Map<number, number>(); // order_id -> line count
  readonly skus = new Set<string>();
  private nextCustomer: number;
  private nextOrder: number;
  stats = { inserts: 0, updates: 0, deletes: 0, moves: 0 };

  constructor(endpoints: ShardEndpoint[], seed = 1, idBase = 1) {
    this.r = prng(seed);
    this.nextCustomer = idBase;
    this.nextOrder = idBase * 10;
    this.shards = {
      list: endpoints.map((e) => ({
        name: e.shard,
        keyRange: parseShardName(e.shard),
        pool: mysql.createPool({ host: e.host, port: e.port, user: e.user, password: e.password ?? '', database: e.database, connectionLimit: 4, timezone: 'Z', dateStrings: true, jsonStrings: true, supportBigNumbers: true, bigNumberStrings: true, charset: 'UTF8MB4_GENERAL_CI' }),
      })),
    };
  }

  private shardFor(ksid: Buffer | null) {
    if (!ksid) throw new Error('no keyspace id');
    return findShardForKeyspaceId(this.shards.list, ksid);
  }
  private byId = (id: number) => this.shardFor(hashKeyspaceId(id)).pool;
  private bySku = (sku: string) => this.shardFor(binaryMd5KeyspaceId(sku)).pool;

  async insertCustomer(): Promise<void> {
    const id = this.nextCustomer++;
    const notes = this.r() < 0.3 ? null : `notes for ${id} ${NAMES[id % NAMES.length]} 🚀`;
    await this.byId(id).query('INSERT INTO customer (customer_id, email, name, balance, created_at, notes) VALUES (?, ?, ?, ?, ?, ?)',
      [id, `user${id}@example.com`, NAMES[Math.floor(this.r() * NAMES.length)], decimal(this.r, 10000), datetime6(this.r), notes]);
    this.customers.add(id);
    this.stats.inserts++;
  }

  async insertOrder(): Promise<void> {
    const id = this.nextOrder++;
    const customer = this.pickCustomer() ?? this.nextCustomer;
    const details = this.r() < 0.2 ? null : `{"gift": ${this.r() < 0.5},  "tags": ["a", "ü"], "n": ${Math.floor(this.r() * 100)}}`;
    const sku = `${SKU_WORDS[Math.floor(this.r() * SKU_WORDS.length)]}-${Math.floor(this.r() * 50)}`;
    await this.byId(customer).query('INSERT INTO corder (order_id, customer_id, sku, price, placed_at, details) VALUES (?, ?, ?, ?, ?, ?)',
      [id, customer, sku, decimal(this.r, 500), datetime6(this.r), details]);
    this.orders.set(id, customer);
    const lines = 1 + Math.floor(this.r() * 3);
    for (let line = 1; line <= lines; line++) {
      await this.byId(id).query('INSERT INTO order_line (order_id, line_no, sku, quantity) VALUES (?, ?, ?, ?)', [id, line, sku, 1 + Math.floor(this.r() * 9)]);
    }
    this.lines.set(id, lines);
    this.stats.inserts += 1 + lines;
  }

  async insertProduct(): Promise<void> {
    const sku = `${SKU_WORDS[Math.floor(this.r() * SKU_WORDS.length)]}-${Math.floor(this.r() * 1_000_000)}`;
    if (this.skus.has(sku)) return;
    const image = this.r() < 0.5 ? null : Buffer.from(Array.from({ length: 16 + Math.floor(this.r() * 64) }, () => Math.floor(this.r() * 256)));
    await this.bySku(sku).query('INSERT IGNORE INTO product (sku, description, price, image) VALUES (?, ?, ?, ?)', [sku, `${sku} — fresh ✓`, decimal(this.r, 100), image]);
    this.skus.add(sku);
    this.stats.inserts++;
  }

  private pickCustomer(): number | undefined {
    return pick(this.r, this.customers);
  }

  /** One random change: insert, update, delete, or an order moving to another customer (maybe another shard). */
  async randomChange(): Promise<void> {
    const x = this.r();
    if (x < 0.2) return this.insertCustomer();
    if (x < 0.4) return this.insertOrder();
    if (x < 0.45) return this.insertProduct();
    if (x < 0.6) {
      const id = this.pickCustomer();
      if (id === undefined) return this.insertCustomer();
      await this.byId(id).query('UPDATE customer SET balance = ?, notes = ? WHERE customer_id = ?', [decimal(this.r, 10000), this.r() < 0.5 ? null : `updated ✓ ${this.r()}`, id]);
      this.stats.updates++;
      return;
    }
    if (x < 0.7) {
      const id = pick(this.r, this.orders.keys());
      if (id === undefined) return this.insertOrder();
      const customer = this.orders.get(id)!;
      await this.byId(customer).query('UPDATE corder SET price = ?, details = ? WHERE order_id = ?', [decimal(this.r, 500), `{"updated":true}`, id]);
      await this.byId(id).query('UPDATE order_line SET quantity = quantity + 1 WHERE order_id = ?', [id]);
      this.stats.updates += 2;
      return;
    }
    if (x < 0.82) return this.moveOrder();
    if (x < 0.9) {
      const id = this.pickCustomer();
      if (id === undefined) return;
      await this.byId(id).query('DELETE FROM customer WHERE customer_id = ?', [id]);
      this.customers.delete(id);
      this.stats.deletes++;
      return;
    }
    if (x < 0.95) {
      const id = pick(this.r, this.orders.keys());
      if (id === undefined) return;
      await this.byId(this.orders.get(id)!).query('DELETE FROM corder WHERE order_id = ?', [id]);
      await this.byId(id).query('DELETE FROM order_line WHERE order_id = ? AND line_no = 1', [id]);
      this.orders.delete(id);
      this.stats.deletes += 2;
      return;
    }
    const sku = pick(this.r, this.skus);
    if (sku === undefined) return this.insertProduct();
    await this.bySku(sku).query('UPDATE product SET price = ?, image = ? WHERE sku = ?', [decimal(this.r, 100), this.r() < 0.5 ? null : Buffer.from([0, 255, 10, 13, 39, 92]), sku]);
    this.stats.updates++;
  }

  /** Changes an order's customer_id (its sharding column): delete + insert when the shard changes. */
  async moveOrder(): Promise<void> {
    const id = pick(this.r, this.orders.keys());
    if (id === undefined) return this.insertOrder();
    const from = this.orders.get(id)!;
    const to = this.pickCustomer() ?? from + 1;
    const oldPool = this.byId(from);
    const newPool = this.byId(to);
    if (oldPool === newPool) {
      await oldPool.query('UPDATE corder SET customer_id = ? WHERE order_id = ?', [to, id]);
      this.stats.updates++;
    } else {
      const [rows] = await oldPool.query('SELECT order_id, customer_id, sku, price, placed_at, details FROM corder WHERE order_id = ?', [id]);
      const row = (rows as Record<string, unknown>[])[0];
      if (!row) return;
      await oldPool.query('DELETE FROM corder WHERE order_id = ?', [id]);
      await newPool.query('INSERT INTO corder (order_id, customer_id, sku, price, placed_at, details) VALUES (?, ?, ?, ?, ?, ?)',
        [id, to, row.sku, row.price, row.placed_at, row.details]);
      this.stats.moves++;
    }
    this.orders.set(id, to);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.list.map((s) => s.pool.end()));
  }
}

function pick<T>(r: () => number, items: Iterable<T>): T | undefined {
  const arr = Array.isArray(items) ? (items as T[]) : [...items];
  if (arr.length === 0) return undefined;
  return arr[Math.floor(r() * arr.length)];
}

/** Seeds customers (with orders and lines) and products. */
export async function seedCommerce(w: CommerceWriter, opts: { customers: number; products: number }): Promise<void> {
  for (let i = 0; i < opts.customers; i++) {
    await w.insertCustomer();
    if (i % 2 === 0) await w.insertOrder();
  }
  for (let i = 0; i < opts.products; i++) await w.insertProduct();
}

/** Runs random changes at about `perSecond` until stopped; returns the counts when stopped. */
export function startLoad(w: CommerceWriter, perSecond: number): { stop: () => Promise<CommerceWriter['stats']>; errors: Error[] } {
  let running = true;
  const errors: Error[] = [];
  const loop = (async () => {
    const interval = 1000 / perSecond;
    let next = Date.now();
    while (running) {
      try {
        await w.randomChange();
      } catch (err) {
        errors.push(err as Error);
      }
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = Date.now();
    }
  })();
  return {
    errors,
    stop: async () => {
      running = false;
      await loop;
      return w.stats;
    },
  };
}
