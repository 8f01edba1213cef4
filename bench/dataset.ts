// The bench data: deterministic rows written once as tab-separated files per source shard
// (each row in the file of the shard its hash keyspace id belongs to), loaded onto the source
// primaries with LOAD DATA LOCAL (binlog off: the load is history before any migration), and
// loaded again by the LOAD DATA baseline. A marker in the stack's state dir says what is loaded;
// measurements that write to the source mark it dirty, so the next copy run reloads.
import fs from 'node:fs';
import path from 'node:path';
import { connectMysql, type Connection } from '../src/mysql/connect';
import { hashKeyspaceId, parseShardName, shardFinder } from '../src/vindex';
import { prng } from '../src/local/commerce-load';
import { SOURCE_DB, TABLE_COLUMNS, TABLES, type TableName } from './schema';
import type { BenchStack } from './stack';

const FORMAT_VERSION = 1;
/** Rows per data file: each file is one LOAD DATA statement (one transaction). */
const ROWS_PER_FILE = 100_000;

export interface DataFile { table: TableName; shard: string; file: string; rows: number; bytes: number }

export interface Dataset {
  rows: Record<TableName, number>;
  /** Data bytes as tab-separated text (what MB/s figures count). */
  bytes: Record<TableName, number>;
  files: DataFile[];
}

interface Marker { version: number; rows: Record<TableName, number>; shards: string[]; dirty: boolean; dataset: Dataset }

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike',
  'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu'];
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds', 'Barbara Liskov', 'Edsger Dijkstra', 'Margaret Hamilton', 'Ken Thompson', 'Frances Allen'];

function words(r: () => number, length: number): string {
  let s = '';
  while (s.length < length) s += (s ? ' ' : '') + WORDS[Math.floor(r() * WORDS.length)];
  return s.slice(0, length);
}

function datetime(r: () => number): string {
  return new Date(Date.UTC(2020, 0, 1) + Math.floor(r() * 4 * 365 * 86400) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** One row as a tab-separated line (no tabs, newlines or backslashes in any value). */
export function rowLine(table: TableName, id: number, salt = 0): string {
  const r = prng(id * 31 + salt);
  if (table === 'narrow') {
    const price = (Math.floor(r() * 1_000_000) / 100).toFixed(2);
    return `${id}\t${1 + Math.floor(r() * 100_000)}\t${price}\t${Math.floor(r() * 5)}\t${datetime(r)}\t` +
      `customer-${id} ${NAMES[id % NAMES.length]}\t${words(r, 30 + Math.floor(r() * 20))}\n`;
  }
  return `${id}\t${1 + Math.floor(r() * 100_000)}\t${datetime(r)}\t${words(r, 1950 + Math.floor(r() * 100))}\n`;
}

export function shardOfId(shards: string[]): (id: number) => number {
  if (shards.length === 1) return () => 0;
  const find = shardFinder(shards.map((name, index) => ({ name, index, keyRange: parseShardName(name) })));
  return (id) => find(hashKeyspaceId(id)!).index;
}

function generate(dir: string, counts: Record<TableName, number>, shards: string[]): Dataset {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const shardOf = shardOfId(shards);
  const files: DataFile[] = [];
  const bytes = { narrow: 0, wide: 0 } as Record<TableName, number>;
  for (const table of TABLES) {
    const open = shards.map(() => ({ fd: -1, file: '', rows: 0, bytes: 0, buf: [] as string[], bufLen: 0, part: 0 }));
    const flush = (o: typeof open[number]) => {
      if (o.buf.length > 0) fs.writeSync(o.fd, o.buf.join(''));
      o.buf = [];
      o.bufLen = 0;
    };
    const close = (s: number) => {
      const o = open[s];
      if (o.fd < 0) return;
      flush(o);
      fs.closeSync(o.fd);
      files.push({ table, shard: shards[s], file: o.file, rows: o.rows, bytes: o.bytes });
      o.fd = -1;
    };
    for (let id = 1; id <= counts[table]; id++) {
      const s = shardOf(id);
      const o = open[s];
      if (o.fd < 0) {
        o.file = path.join(dir, `${table}.${s}.${o.part++}.tsv`);
        o.fd = fs.openSync(o.file, 'w');
        o.rows = 0;
        o.bytes = 0;
      }
      const line = rowLine(table, id);
      o.buf.push(line);
      o.bufLen += line.length;
      o.rows++;
      o.bytes += line.length;
      bytes[table] += line.length;
      if (o.bufLen > 1 << 20) flush(o);
      if (o.rows >= ROWS_PER_FILE) close(s);
    }
    shards.forEach((_, s) => close(s));
  }
  return { rows: { ...counts }, bytes, files };
}

export async function rootConnection(port: number, opts: { database?: string; localInfile?: boolean; multipleStatements?: boolean } = {}): Promise<Connection> {
  return connectMysql({ host: '127.0.0.1', port, user: 'root', database: opts.database }, { localInfile: opts.localInfile, multipleStatements: opts.multipleStatements });
}

/** SHOW GLOBAL STATUS values of `names` (as MariaDB spells them), as numbers; a missing one is absent. */
export async function globalStatus(conn: Connection, names: readonly string[]): Promise<Map<string, number>> {
  const [rows] = await conn.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`, [...names]);
  return new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]));
}

/** LOAD DATA LOCAL of one file into db.table on an open connection. */
export async function loadFile(conn: Connection, db: string, f: DataFile): Promise<void> {
  const cols = TABLE_COLUMNS[f.table].map((c) => `\`${c}\``).join(',');
  await conn.query({
    sql: `LOAD DATA LOCAL INFILE ? INTO TABLE \`${db}\`.\`${f.table}\` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (${cols})`,
    values: [f.file],
    infileStreamFactory: () => fs.createReadStream(f.file),
  } as Parameters<Connection['query']>[0]);
}

function markerFile(stack: BenchStack): string {
  return path.join(stack.spec.stateDir, 'dataset.json');
}

export function markDirty(stack: BenchStack): void {
  const file = markerFile(stack);
  if (!fs.existsSync(file)) return;
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Marker;
  m.dirty = true;
  fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
}

/**
 * The source holds exactly the dataset (generated and loaded now if it does not). `clean`: also
 * reload when measurements since the load changed source rows.
 */
export async function ensureDataset(stack: BenchStack, counts: Record<TableName, number>, clean: boolean, log: (line: string) => void): Promise<Dataset> {
  const file = markerFile(stack);
  const dataDir = path.join(stack.spec.stateDir, 'data');
  const marker = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Marker : undefined;
  const sameShape = marker && marker.version === FORMAT_VERSION && TABLES.every((t) => marker.rows[t] === counts[t])
    && marker.shards.join(',') === stack.sourceShards.join(',') && marker.dataset.files.every((f) => fs.existsSync(f.file));
  if (sameShape && !(clean && marker.dirty) && await sourceCountsMatch(stack, counts)) {
    log(`source data present: ${counts.narrow.toLocaleString('en-US')} narrow rows, ${counts.wide.toLocaleString('en-US')} wide rows`);
    return marker.dataset;
  }
  fs.rmSync(file, { force: true });
  let dataset: Dataset;
  if (sameShape) {
    dataset = marker.dataset;
  } else {
    log(`generating ${counts.narrow.toLocaleString('en-US')} narrow and ${counts.wide.toLocaleString('en-US')} wide rows into ${dataDir}`);
    dataset = generate(dataDir, counts, stack.sourceShards);
  }
  const t0 = Date.now();
  await Promise.all(stack.sourcePrimaries.map(async (p) => {
    const conn = await rootConnection(p.port, { localInfile: true });
    try {
      // The load is the source's history before any migration: it needs no binlog.
      await conn.query('SET SESSION sql_log_bin = 0');
      for (const t of TABLES) await conn.query(`TRUNCATE TABLE \`${SOURCE_DB}\`.\`${t}\``);
      for (const f of dataset.files.filter((f) => f.shard === p.shard)) await loadFile(conn, SOURCE_DB, f);
    } finally {
      await conn.end();
    }
  }));
  if (!(await sourceCountsMatch(stack, counts))) throw new Error('the source row counts do not match the dataset after loading it');
  log(`loaded the source in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const m: Marker = { version: FORMAT_VERSION, rows: counts, shards: stack.sourceShards, dirty: false, dataset };
  fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
  return dataset;
}

async function sourceCountsMatch(stack: BenchStack, counts: Record<TableName, number>): Promise<boolean> {
  const totals = { narrow: 0, wide: 0 } as Record<TableName, number>;
  for (const p of stack.sourcePrimaries) {
    const conn = await rootConnection(p.port);
    try {
      for (const t of TABLES) {
        const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${SOURCE_DB}\`.\`${t}\``);
        totals[t] += Number((rows as { n: number }[])[0].n);
      }
    } finally {
      await conn.end();
    }
  }
  return TABLES.every((t) => totals[t] === counts[t]);
}

export function totalRows(d: Dataset): number {
  return d.rows.narrow + d.rows.wide;
}

export function totalBytes(d: Dataset): number {
  return d.bytes.narrow + d.bytes.wide;
}
