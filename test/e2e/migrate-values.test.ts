// Value fidelity of a whole Migrate run: every type issue 4 lists, copied (rows there before the
// run) and replayed (rows inserted, updated, moved and deleted during catch-up), from the sharded
// source (commerce -80, 80-) into the customer keyspace (-40, 40-c0, c0-), then cutover and
// complete. All tablets of both clusters run with a DST time zone (Europe/Berlin) as their
// global default, so a session that forgot to switch to UTC would shift or fold TIMESTAMPs.
//
// The check is independent of the project's code: plain SQL on every primary of both clusters.
// - strings, binary, JSON, ENUM/SET, BIT, GEOMETRY: HEX(col) (the stored bytes; ENUM/SET also col+0, the
//   member index, which tells the invalid-value '' from a '' member);
// - integers, DECIMAL, temporal types: CAST(col AS CHAR) in a UTC session, and TIMESTAMPs also as
//   UNIX_TIMESTAMP(col), which no session time zone affects;
// - FLOAT/DOUBLE: read through the binary protocol (mysql2 execute), where the server sends the
//   IEEE-754 value itself (4 bytes for FLOAT, 8 for DOUBLE, no text conversion), and compared as
//   the 8 bytes of the JS double (a float32 widens to a double exactly), so -0, denormals and
//   values whose text form rounds (FLOAT 1.0000001 prints as 1) are compared bit for bit. On the
//   source the bits are also checked against the literal written (Math.fround for FLOAT).
// Each row must be on the target shard its keyspace id belongs to (test/support/routing.ts), and
// the target tables' column definitions must equal the source's.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { hashKsid, md5Ksid, shardOf } from '../support/routing';
import {
  acquireHarness,
  addTablesToVSchemas,
  createSourceTables,
  cutoverAndComplete,
  dropTables,
  ensureMount,
  execOn,
  gtidAtLeast,
  qid,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
  SOURCE_SHARDS,
  startMigrate,
  streamRows,
  tablet,
  TARGET_SHARDS,
  terminateIfRunning,
  waitFor,
  waitReplicasCaughtUp,
  waitStatus,
  withDb,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'fidelity';
const WORKFLOW = 'fid_values';
const WORKFLOW_ID = `customer.${WORKFLOW}`;
const VALS = 'vals';
const SEL = 'select';
const TAB = 'tab`le';
const NAME = 'na`me';
const WEIRD = 'we`ird';
const LAT = 'lat';

const DDL: Record<string, string> = {
  [VALS]: `CREATE TABLE vals (
    id BIGINT NOT NULL PRIMARY KEY,
    bi BIGINT NULL, bu BIGINT UNSIGNED NULL,
    dec65 DECIMAL(65,30) NULL, dneg DECIMAL(10,4) NULL,
    f FLOAT NULL, db DOUBLE NULL,
    dt DATE NULL, dtm DATETIME(6) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6) NULL, tm0 TIME NULL, y YEAR NULL,
    u8 VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL, t8 MEDIUMTEXT CHARACTER SET utf8mb4 NULL,
    l1 VARCHAR(300) CHARACTER SET latin1 NULL, lt TEXT CHARACTER SET latin1 NULL,
    bn BINARY(8) NULL, vb VARBINARY(300) NULL, bl BLOB NULL, lb LONGBLOB NULL,
    j JSON NULL,
    e ENUM('small','Large','é','it''s') NULL, e2 ENUM('','x') NULL, s SET('x','y','z') NULL,
    b1 BIT(1) NULL, b64 BIT(64) NULL,
    geo GEOMETRY NULL,
    hid VARCHAR(20) INVISIBLE NULL,
    gv VARCHAR(400) CHARACTER SET utf8mb4 AS (CONCAT_WS('|', HEX(bn), u8, bi, dec65)) VIRTUAL,
    gs VARCHAR(400) CHARACTER SET utf8mb4 AS (CONCAT(COALESCE(u8, '∅'), '/', COALESCE(bu, '∅'), '/', COALESCE(tm, '∅'))) STORED
  ) ENGINE=InnoDB`,
  [SEL]: `CREATE TABLE \`select\` (
    \`group\` BIGINT NOT NULL,
    \`order\` BIGINT UNSIGNED NOT NULL,
    \`we\`\`ird\` VARCHAR(50) CHARACTER SET utf8mb4 NULL,
    \`key\` DOUBLE NULL,
    \`select\` TINYINT NULL,
    PRIMARY KEY (\`group\`, \`order\`)
  ) ENGINE=InnoDB`,
  // amt FLOAT(7,2): MariaDB prints such floats rounded to their decimals (and INET4/INET6/UUID cannot
  // go through LOAD DATA's binary input), so this table is copied
  // through the binary protocol and INSERTs, while vals and select take the text/LOAD DATA path
  // (src/activities/copy-rows.ts): both ways are checked here.
  [TAB]: `CREATE TABLE \`tab\`\`le\` (
    \`na\`\`me\` VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY,
    n INT NULL,
    amt FLOAT(7,2) NULL,
    ip INET6 NULL, ip4 INET4 NULL, uid UUID NULL
  ) ENGINE=InnoDB`,
  // A latin1 key sharded by binary_md5: vtgate hashed the UTF-8 text its client wrote, not the
  // latin1 bytes the column (and the binlog) holds.
  [LAT]: `CREATE TABLE lat (
    name VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL PRIMARY KEY,
    n INT NULL
  ) ENGINE=InnoDB`,
};

// ---- literals ----

const utf8 = (s: string) => `_utf8mb4 X'${Buffer.from(s, 'utf8').toString('hex')}'`;
const hex = (b: Buffer | string) => `X'${Buffer.isBuffer(b) ? b.toString('hex') : b}'`;
const latin1 = (b: Buffer) => `_latin1 X'${b.toString('hex')}'`;
const str = (s: string) => `'${s}'`;

function pseudoRandom(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = a >>> 24;
  }
  return out;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const NASTY = 'quote \' dq " back\\slash \\\' nl \n cr \r tab \t nul \0 ctrl-z \x1a end';
const EMOJI = '😀 𝄞 👩‍👩‍👧 🇩🇪 Ünïcödé ß ǅ e\u0301';
const LONG_TEXT = Array.from({ length: 3000 }, (_, i) => `${i}:${EMOJI}`).join(' ');
const ODD_JSON = ' {"b":1,  "a" : [1,2.50,  3e0 ] ,"c":"\\u00e9 é 😀","big":18446744073709551616,"n":null, "a":"dup"} ';

/** Float inputs: the literal written, and the exact value the column must then hold. */
interface FloatCase { f?: string; db?: string }

/**
 * Value tuples for vals (column → SQL literal). Every tuple is written once before the copy and
 * again during catch-up (as an insert and as an update of a copied row), so both paths carry it.
 */
const TUPLES: (Record<string, string> & FloatCase)[] = [
  // 0: NULL in every nullable column
  {},
  // 1: minimums
  {
    bi: '-9223372036854775808', bu: '0', dec65: str('-99999999999999999999999999999999999.999999999999999999999999999999'), dneg: str('-999999.9999'),
    f: '-3.4028234663852886e38', db: '-1.7976931348623157e308', dt: str('1000-01-01'), dtm: str('1000-01-01 00:00:00.000000'),
    ts: str('1970-01-01 00:00:01.000000'), tm: str('-838:59:59.000000'), tm0: str('-838:59:59'), y: '1901',
    u8: utf8(''), t8: utf8(''), l1: latin1(Buffer.alloc(0)), lt: latin1(Buffer.alloc(0)), bn: hex(''), vb: hex(''), bl: hex(''), lb: hex(''),
    j: utf8('[]'), e: str('small'), e2: str(''), s: str(''), b1: "b'0'", b64: "b'0'", hid: utf8(''),
  },
  // 2: maximums, 4-byte characters, every byte value
  {
    bi: '9223372036854775807', bu: '18446744073709551615', dec65: str('99999999999999999999999999999999999.999999999999999999999999999999'), dneg: str('999999.9999'),
    f: '3.4028234663852886e38', db: '1.7976931348623157e308', dt: str('9999-12-31'), dtm: str('9999-12-31 23:59:59.999999'),
    ts: str('2038-01-19 03:14:07.999999'), tm: str('838:59:59.000000'), tm0: str('838:59:59'), y: '2155',
    u8: utf8(EMOJI), t8: utf8(LONG_TEXT), l1: latin1(Buffer.from('e9ff81809d8d8f90a0c0d7f7', 'hex')), lt: latin1(ALL_BYTES),
    bn: hex('00ff27225c0a0d1a'), vb: hex('5c00275c22ff0000'), bl: hex(ALL_BYTES), lb: hex(pseudoRandom(200_000, 7)),
    j: utf8(ODD_JSON), e: str('Large'), e2: str('x'), s: str('x,y,z'), b1: "b'1'", b64: "X'FFFFFFFFFFFFFFFF'", hid: utf8('hidden 😀'),
    geo: "ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))', 4326)",
  },
  // 3: floats whose text forms round; zero dates; the invalid ENUM member; YEAR 0000
  {
    f: '0.1', db: '0.1', dec65: str('-0.000000000000000000000000000001'), dneg: str('-0.5'),
    dt: str('0000-00-00'), dtm: str('0000-00-00 00:00:00.000000'), ts: str('0000-00-00 00:00:00'), tm: str('-00:00:01.500000'), tm0: str('-01:00:00'), y: '0',
    u8: utf8(NASTY), t8: utf8(NASTY), l1: latin1(Buffer.from(NASTY, 'latin1')), bn: hex('61'), vb: hex('00'),
    j: utf8('"just a string"'), e: str(''), e2: str(''), s: str('z,x'), b1: "b'0'", b64: "X'8000000000000000'", geo: 'POINT(-1.5, 2.25)',
  },
  // 4: more rounding; DST spring-forward instants (Europe/Berlin, 2021-03-28 01:00 UTC); an invalid date
  {
    f: '1.0000001', db: '0.30000000000000004', dec65: str('0.000000000000000000000000000001'), dneg: str('-0.0001'),
    dt: str('2020-02-30'), dtm: str('2021-03-28 02:30:00.000001'), ts: str('2021-03-28 00:59:59.999999'), tm: str('123:45:06.100000'), tm0: str('-00:00:01'), y: '2024',
    u8: utf8('Zoë'), j: utf8('null'), e: str('é'), s: str('y'), b64: "b'1'", geo: "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1,2 0))')",
  },
  // 5
  {
    f: '16777217', db: '9007199254740993', dec65: str('-12345.678900000000000000000000000000'), dneg: str('0.0000'),
    dtm: str('2021-10-31 02:30:00.500000'), ts: str('2021-03-28 01:00:00.000000'), tm: str('-12:00:00.000001'), tm0: str('00:00:00'),
    u8: utf8('  padded  '), j: utf8('1.0E+2'), e: utf8("it's"), s: str('x'),
  },
  // 6: denormals; the two instants that are both 02:30 in Berlin on 2021-10-31 (fall back)
  { f: '1e-45', db: '5e-324', ts: str('2021-10-31 00:30:00.500000'), tm: str('25:00:00.250000'), j: utf8('{}') },
  { f: '1.17549435e-38', db: '-2.2250738585072014e-308', ts: str('2021-10-31 01:30:00.500000'), tm: str('-00:00:00.000001') },
  // 8
  { f: '0.33333334', db: '0.3333333333333333', tm: str('-01:00:00.000000') },
  { f: '123456.79', db: '123456789.12345679', tm: str('00:00:00.000001') },
  // 10: negative zero
  { f: '-0e0', db: '-0e0' },
];

const VALS_COLUMNS = ['bi', 'bu', 'dec65', 'dneg', 'f', 'db', 'dt', 'dtm', 'ts', 'tm', 'tm0', 'y', 'u8', 't8', 'l1', 'lt', 'bn', 'vb', 'bl', 'lb', 'j', 'e', 'e2', 's', 'b1', 'b64', 'geo', 'hid'];

function valsAssignments(t: Record<string, string>): string[] {
  return VALS_COLUMNS.map((c) => `${qid(c)} = ${t[c] ?? 'NULL'}`);
}

// ---- routing (independent of the project: test/support/routing.ts) ----

const valsKsid = (id: bigint) => hashKsid(id);
const selKsid = (group: bigint) => hashKsid(group);
const tabKsid = (name: string) => md5Ksid(Buffer.from(name, 'utf8'));
const latKsid = tabKsid;

// ---- the independent comparison ----

interface TableCheck {
  name: string;
  /** alias → SQL expression, read as text in a UTC session. */
  exprs: [string, string][];
  /** aliases forming the key */
  key: string[];
  /** FLOAT/DOUBLE columns, read through the binary protocol. */
  floats: string[];
  /** key columns as plain SELECT items for the binary-protocol read (same order as key). */
  keyCols: string[];
  /** The key as SQL expressions giving the `key` aliases' text (default CAST(keyCol AS CHAR)). */
  keyExprs?: string[];
  ksid: (row: Record<string, string | null>) => Buffer;
}

const castChar = (c: string) => `CAST(${qid(c)} AS CHAR)`;
const hexOf = (c: string) => `HEX(${qid(c)})`;

const CHECKS: TableCheck[] = [
  {
    name: VALS,
    key: ['id'],
    keyCols: ['id'],
    floats: ['f', 'db'],
    ksid: (r) => valsKsid(BigInt(r.id!)),
    exprs: [
      ['id', castChar('id')], ['bi', castChar('bi')], ['bu', castChar('bu')], ['dec65', castChar('dec65')], ['dneg', castChar('dneg')],
      ['dt', castChar('dt')], ['dtm', castChar('dtm')], ['ts', castChar('ts')], ['ts_epoch', 'CAST(UNIX_TIMESTAMP(ts) AS CHAR)'],
      ['tm', castChar('tm')], ['tm0', castChar('tm0')], ['y', castChar('y')],
      ['u8', hexOf('u8')], ['t8', hexOf('t8')], ['l1', hexOf('l1')], ['lt', hexOf('lt')],
      ['bn', hexOf('bn')], ['vb', hexOf('vb')], ['bl', hexOf('bl')], ['lb', hexOf('lb')], ['j', hexOf('j')],
      ['e', hexOf('e')], ['e_idx', 'CAST(e+0 AS CHAR)'], ['e2', hexOf('e2')], ['e2_idx', 'CAST(e2+0 AS CHAR)'],
      ['s', hexOf('s')], ['s_idx', 'CAST(s+0 AS CHAR)'], ['b1', hexOf('b1')], ['b64', hexOf('b64')], ['geo', hexOf('geo')],
      ['hid', hexOf('hid')], ['gv', hexOf('gv')], ['gs', hexOf('gs')],
    ],
  },
  {
    name: SEL,
    key: ['group', 'order'],
    keyCols: ['group', 'order'],
    floats: ['key'],
    ksid: (r) => selKsid(BigInt(r.group!)),
    exprs: [['group', castChar('group')], ['order', castChar('order')], [WEIRD, hexOf(WEIRD)], ['select', castChar('select')]],
  },
  {
    name: TAB,
    key: ['name_hex'],
    keyCols: [NAME],
    keyExprs: [hexOf(NAME)],
    floats: ['amt'],
    ksid: (r) => md5Ksid(Buffer.from(r.name_hex!, 'hex')),
    exprs: [['name_hex', hexOf(NAME)], ['n', castChar('n')], ['ip', hexOf('ip')], ['ip4', hexOf('ip4')], ['uid', castChar('uid')]],
  },
  {
    name: LAT,
    key: ['name_utf8'],
    keyCols: ['name'],
    floats: [],
    ksid: (r) => md5Ksid(Buffer.from(r.name_utf8!, 'hex')),
    // The key as a utf8mb4 client reads it (what routes the row), and the stored latin1 bytes.
    exprs: [['name_utf8', 'HEX(CONVERT(`name` USING utf8mb4))'], ['name_bytes', hexOf('name')], ['n', castChar('n')]],
  },
];

function floatBits(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v !== 'number') throw new Error(`binary protocol gave ${typeof v} for a float column`);
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b.toString('hex');
}

interface Snapshot { shard: string; row: Record<string, string | null> }

/** Every row of a table on every primary of a cluster, keyed by its primary key. */
async function snapshot(h: Harness, cluster: 'source' | 'target', check: TableCheck, problems: string[]): Promise<Map<string, Snapshot>> {
  const out = new Map<string, Snapshot>();
  const shards = cluster === 'source' ? SOURCE_SHARDS : TARGET_SHARDS;
  for (const shard of shards) {
    const p = tablet(h, cluster, shard);
    await withDb(p.port, async (c) => {
      const [rows] = await c.query({ sql: `SELECT ${check.exprs.map(([a, e]) => `${e} AS ${qid(a)}`).join(', ')} FROM ${qid(check.name)}`, rowsAsArray: true });
      const floats = new Map<string, string[]>();
      if (check.floats.length > 0) {
        // The binary protocol: FLOAT and DOUBLE arrive as their IEEE bytes.
        const keyExprs = check.keyExprs ?? check.keyCols.map((k) => `CAST(${qid(k)} AS CHAR)`);
        const [frows] = await c.execute({ sql: `SELECT ${[...keyExprs, ...check.floats.map(qid)].join(', ')} FROM ${qid(check.name)}`, rowsAsArray: true });
        for (const r of frows as unknown[][]) floats.set(r.slice(0, check.keyCols.length).map((v) => String(v)).join('|'), r.slice(check.keyCols.length).map(floatBits));
      }
      for (const raw of rows as unknown[][]) {
        const row: Record<string, string | null> = {};
        check.exprs.forEach(([a], i) => { row[a] = raw[i] === null ? null : String(raw[i]); });
        const plainKey = (check.keyExprs ? check.key : check.keyCols).map((k) => row[k]).join('|');
        if (check.floats.length > 0) {
          const bits = floats.get(plainKey);
          if (!bits) throw new Error(`${check.name}: no binary-protocol row for key ${plainKey}`);
          check.floats.forEach((f, i) => { row[`${f}_bits`] = bits[i]; });
        }
        const key = check.key.map((k) => row[k]).join('|');
        if (out.has(key)) problems.push(`${cluster} ${check.name}: key ${key} on shards ${out.get(key)!.shard} and ${shard}`);
        const want = shardOf(shards, check.ksid(row));
        if (want !== shard) problems.push(`${cluster} ${check.name}: key ${key} is on shard ${shard}, its keyspace id belongs to ${want}`);
        out.set(key, { shard, row });
      }
    }, p.db);
  }
  return out;
}

/** Source vs target: every source row on its target shard, identical in every expression; no other rows. */
async function compareAll(h: Harness): Promise<{ problems: string[]; counts: Record<string, number>; target: Map<string, Map<string, Snapshot>> }> {
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  const targets = new Map<string, Map<string, Snapshot>>();
  for (const check of CHECKS) {
    const src = await snapshot(h, 'source', check, problems);
    const dst = await snapshot(h, 'target', check, problems);
    targets.set(check.name, dst);
    counts[check.name] = src.size;
    for (const [key, s] of src) {
      const t = dst.get(key);
      if (!t) {
        problems.push(`${check.name} ${key}: missing on the target`);
        continue;
      }
      for (const col of Object.keys(s.row)) {
        if (s.row[col] !== t.row[col]) {
          problems.push(`${check.name} ${key}: column ${col} differs: source ${short(s.row[col])}, target ${short(t.row[col])}`);
        }
      }
    }
    for (const key of dst.keys()) if (!src.has(key)) problems.push(`${check.name} ${key}: extra row on target shard ${dst.get(key)!.shard}`);
  }
  return { problems, counts, target: targets };
}

const short = (v: string | null) => (v === null ? 'NULL' : v.length > 120 ? `${v.slice(0, 120)}… (${v.length} chars)` : v);

/** The column definitions of a table as information_schema describes them. */
async function columnDefs(port: number, db: string, table: string): Promise<string[]> {
  const rows = await rowsOn<Record<string, unknown>>(port,
    `SELECT column_name, ordinal_position, column_type, is_nullable, column_default, character_set_name, collation_name, extra,
            generation_expression, is_generated, column_key
       FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, [db, table]);
  return rows.map((r) => JSON.stringify(Object.values(r)));
}

// ---- time zones ----

const DST_ZONE = 'Europe/Berlin';

async function useGlobalTimeZone(h: Harness, zone: string): Promise<Map<number, string>> {
  const before = new Map<number, string>();
  let tzSql: string | undefined;
  for (const t of h.tablets) {
    const [has] = await rowsOn<{ n: number }>(t.port, 'SELECT COUNT(*) AS n FROM mysql.time_zone_name WHERE name = ?', [zone]);
    if (Number(has.n) === 0) {
      tzSql ??= execFileSync('mariadb-tzinfo-to-sql', [`/usr/share/zoneinfo/${zone}`, zone], { encoding: 'utf8' });
      // Only this server's tables: nothing in the binlog, so no replica or stream sees it.
      await execOn(t.port, ['SET SESSION sql_log_bin = 0', tzSql], 'mysql');
    }
    const [cur] = await rowsOn<{ tz: string }>(t.port, 'SELECT @@GLOBAL.time_zone AS tz');
    before.set(t.port, cur.tz);
    await execOn(t.port, `SET GLOBAL time_zone = '${zone}'`);
  }
  return before;
}

async function restoreTimeZones(before: Map<number, string>): Promise<void> {
  for (const [port, tz] of before) await execOn(port, `SET GLOBAL time_zone = '${tz}'`).catch(() => undefined);
}

// ---- source writes, placed as vtgate would ----

class SourceWriter {
  constructor(private readonly h: Harness) {}

  private primary(ksid: Buffer) {
    return tablet(this.h, 'source', shardOf(SOURCE_SHARDS, ksid));
  }

  /** Runs statements in one transaction on one shard primary, in a lax, UTC session. */
  async onShard(ksid: Buffer, sql: string[]): Promise<void> {
    const p = this.primary(ksid);
    await withDb(p.port, async (c) => {
      await c.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES', SESSION time_zone = '+00:00'");
      await c.query('BEGIN');
      for (const s of sql) await c.query(s);
      await c.query('COMMIT');
    }, p.db);
  }

  insertVals(id: bigint, t: Record<string, string>): Promise<void> {
    return this.onShard(valsKsid(id), [`INSERT INTO vals SET id = ${id}, ${valsAssignments(t).join(', ')}`]);
  }

  updateVals(id: bigint, t: Record<string, string>): Promise<void> {
    return this.onShard(valsKsid(id), [`UPDATE vals SET ${valsAssignments(t).join(', ')} WHERE id = ${id}`]);
  }

  deleteVals(id: bigint): Promise<void> {
    return this.onShard(valsKsid(id), [`DELETE FROM vals WHERE id = ${id}`]);
  }

  /** Changes a row's id (its sharding key) as vtgate does: an UPDATE on one shard, or a delete and an insert on two. */
  async moveVals(from: bigint, to: bigint, t: Record<string, string>): Promise<'same shard' | 'across shards'> {
    const a = shardOf(SOURCE_SHARDS, valsKsid(from));
    const b = shardOf(SOURCE_SHARDS, valsKsid(to));
    if (a === b) {
      await this.onShard(valsKsid(from), [`UPDATE vals SET id = ${to}, ${valsAssignments(t).join(', ')} WHERE id = ${from}`]);
      return 'same shard';
    }
    await this.deleteVals(from);
    await this.insertVals(to, t);
    return 'across shards';
  }

  insertSel(group: bigint, order: bigint, weird: string | null, key: string, sel: string): Promise<void> {
    return this.onShard(selKsid(group), [`INSERT INTO \`select\` (\`group\`, \`order\`, \`we\`\`ird\`, \`key\`, \`select\`) VALUES (${group}, ${order}, ${weird === null ? 'NULL' : utf8(weird)}, ${key}, ${sel})`]);
  }

  /** Changes the sharding column of a SEL_ROWS row (its other values given again, exactly). */
  async moveSel(row: SelRow, toGroup: bigint): Promise<'same shard' | 'across shards'> {
    const [group, order, weird, key, sel] = row;
    const a = shardOf(SOURCE_SHARDS, selKsid(group));
    const b = shardOf(SOURCE_SHARDS, selKsid(toGroup));
    if (a === b) {
      await this.onShard(selKsid(group), [`UPDATE \`select\` SET \`group\` = ${toGroup} WHERE \`group\` = ${group} AND \`order\` = ${order}`]);
      return 'same shard';
    }
    await this.onShard(selKsid(group), [`DELETE FROM \`select\` WHERE \`group\` = ${group} AND \`order\` = ${order}`]);
    await this.insertSel(toGroup, order, weird, key, sel);
    return 'across shards';
  }

  insertTab(name: string, n: number | null): Promise<void> {
    // UUIDs: time-based (stored reordered), version 4, all zero, and trailing zero bytes.
    const uid = ['6ccd780c-baba-1026-9564-5b8c656024db', '0f8fad5b-d9cb-469f-a165-70867728950e', '00000000-0000-0000-0000-000000000000', 'a0b0c0d0-e0f0-0000-0000-000000000000'];
    const ips = n === null ? 'NULL, NULL, NULL' : `'${['2001:db8::ff00:42:8329', '::ffff:1.2.3.4', '::', 'fe80::1:0:0:0', '::1.2.3.4', '1::', '::1', '0:1::'][n % 8]}', '10.0.${n}.255', '${uid[n % 4]}'`;
    return this.onShard(tabKsid(name), [`INSERT INTO \`tab\`\`le\` VALUES (${utf8(name)}, ${n ?? 'NULL'}, ${n === null ? 'NULL' : `${n}/3`}, ${ips})`]);
  }

  insertLat(name: string, n: number): Promise<void> {
    return this.onShard(latKsid(name), [`INSERT INTO lat VALUES (${utf8(name)}, ${n})`]);
  }

  /** A key change as vtgate makes it: delete on the old key's shard, insert on the new one's. */
  async renameLat(from: string, to: string): Promise<void> {
    await this.onShard(latKsid(from), [`DELETE FROM lat WHERE name = ${utf8(from)}`]);
    await this.insertLat(to, 99);
  }

  async renameTab(from: string, to: string): Promise<'same shard' | 'across shards'> {
    const a = shardOf(SOURCE_SHARDS, tabKsid(from));
    const b = shardOf(SOURCE_SHARDS, tabKsid(to));
    if (a === b) {
      await this.onShard(tabKsid(from), [`UPDATE \`tab\`\`le\` SET \`na\`\`me\` = ${utf8(to)} WHERE \`na\`\`me\` = ${utf8(from)}`]);
      return 'same shard';
    }
    const p = this.primary(tabKsid(from));
    const [row] = await rowsOn<{ n: string | null; amt: string | null; ip: string | null; ip4: string | null; uid: string | null }>(p.port,
      `SELECT n, CAST(amt AS CHAR) AS amt, CAST(ip AS CHAR) AS ip, CAST(ip4 AS CHAR) AS ip4, CAST(uid AS CHAR) AS uid FROM \`tab\`\`le\` WHERE \`na\`\`me\` = ${utf8(from)}`, [], p.db);
    const q = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);
    await this.onShard(tabKsid(from), [`DELETE FROM \`tab\`\`le\` WHERE \`na\`\`me\` = ${utf8(from)}`]);
    await this.onShard(tabKsid(to), [`INSERT INTO \`tab\`\`le\` VALUES (${utf8(to)}, ${row.n ?? 'NULL'}, ${row.amt ?? 'NULL'}, ${q(row.ip)}, ${q(row.ip4)}, ${q(row.uid)})`]);
    return 'across shards';
  }
}

/** The first id at or after `from` whose row lives on the given source shard. */
function idOnShard(from: bigint, shard: string): bigint {
  for (let id = from; ; id++) if (shardOf(SOURCE_SHARDS, valsKsid(id)) === shard) return id;
}

type SelRow = [bigint, bigint, string | null, string, string];
const SEL_ROWS: SelRow[] = [
  [-9223372036854775808n, 18446744073709551615n, 'min/max', '0.1e0', '1'],
  [-1n, 0n, null, 'NULL', 'NULL'],
  [0n, 9007199254740993n, 'a`b ``c', '-0e0', '0'],
  [9223372036854775807n, 1n, '`', '1e308', '127'],
  [42n, 42n, '😀 it\'s', '2.5e0', '-128'],
];
const TAB_NAMES = ['Apple', 'banana', 'ÉCLAIR', 'Zoë', 'e\u0301mile', 'ß', 'x ', 'Ölçü 😀'];
// cp1252 characters (MariaDB's latin1) whose UTF-8 and latin1 forms hash to different shards.
const LAT_NAMES = ['café', 'Žofie', '5€', '€uro', '€3', 'ß', 'naïve', '“quoted”', 'Šárka', 'plain'];

describe('Migrate: value fidelity, sharded commerce (-80, 80-) → customer (-40, 40-c0, c0-)', function () {
  this.timeout(180_000);
  let h: Harness;
  let zones: Map<number, string> | undefined;
  let handle: WorkflowHandle;
  let w: SourceWriter;
  const copiedIds = TUPLES.map((_, i) => BigInt(i + 1));

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, WORKFLOW_ID);
    zones = await useGlobalTimeZone(h, DST_ZONE);
    await createSourceTables(h, DDL);
    await addTablesToVSchemas(h, { [VALS]: { column: 'id', name: 'hash' }, [SEL]: { column: 'group', name: 'hash' }, [TAB]: { column: NAME, name: 'binary_md5' }, [LAT]: { column: 'name', name: 'binary_md5' } });
    await ensureMount(h, MOUNT);
    w = new SourceWriter(h);
  });

  after(async () => {
    if (h) {
      await terminateIfRunning(h, WORKFLOW_ID);
      await dropTables(h, Object.keys(DDL));
      await removeTablesFromVSchemas(h, Object.keys(DDL)).catch(() => undefined);
      if (zones) await restoreTimeZones(zones);
      await releaseHarness();
    }
  });

  it('the source holds what was written (floats bit for bit, TIMESTAMPs as UTC instants)', async () => {
    for (let i = 0; i < TUPLES.length; i++) await w.insertVals(copiedIds[i], TUPLES[i]);
    for (const [g, o, we, k, s] of SEL_ROWS) await w.insertSel(g, o, we, k, s);
    for (let i = 0; i < TAB_NAMES.length; i++) await w.insertTab(TAB_NAMES[i], i === 0 ? null : i);
    for (let i = 0; i < LAT_NAMES.length; i++) await w.insertLat(LAT_NAMES[i], i);
    // One row through a session in the DST zone: 03:00 Berlin on 2021-03-28 is 01:00 UTC.
    const berlinId = 50n;
    const p = tablet(h, 'source', shardOf(SOURCE_SHARDS, valsKsid(berlinId)));
    await execOn(p.port, [`SET SESSION time_zone = '${DST_ZONE}'`, `INSERT INTO vals (id, ts, dtm) VALUES (${berlinId}, '2021-03-28 03:00:00.25', '2021-03-28 03:00:00.25')`], p.db);
    copiedIds.push(berlinId);

    const problems: string[] = [];
    const src = await snapshot(h, 'source', CHECKS[0], problems);
    assert.deepEqual(problems, []);
    const row = (id: bigint) => src.get(String(id))!.row;
    // MariaDB stores a negative zero as +0 (by any path: literal, -(0e0), a bound -0 double), so
    // -0 can never reach a source column; the expected value of '-0e0' is +0.
    const stored = (x: number) => (Object.is(x, -0) ? 0 : x);
    const bits = (lit: string | undefined, float: boolean) => (lit === undefined ? 'NULL' : floatBits(stored(float ? Math.fround(Number(lit)) : Number(lit))));
    TUPLES.forEach((t, i) => {
      assert.equal(row(copiedIds[i]).f_bits, bits(t.f, true), `FLOAT of tuple ${i} (${t.f})`);
      assert.equal(row(copiedIds[i]).db_bits, bits(t.db, false), `DOUBLE of tuple ${i} (${t.db})`);
    });
    assert.equal(row(1n).bi, null);
    assert.equal(row(1n).gs, Buffer.from('∅/∅/∅').toString('hex').toUpperCase());
    assert.equal(row(2n).bi, '-9223372036854775808');
    assert.equal(row(3n).bu, '18446744073709551615');
    assert.equal(row(3n).dec65, '99999999999999999999999999999999999.999999999999999999999999999999');
    assert.equal(row(4n).dec65, '-0.000000000000000000000000000001');
    assert.equal(row(2n).tm, '-838:59:59.000000');
    assert.equal(row(4n).tm, '-00:00:01.500000');
    assert.equal(row(4n).tm0, '-01:00:00');
    assert.equal(row(4n).y, '0000');
    assert.equal(row(4n).e, '');
    assert.equal(row(4n).e_idx, '0');
    assert.equal(row(4n).e2_idx, '1');
    assert.equal(row(4n).s, Buffer.from('x,z').toString('hex').toUpperCase());
    assert.equal(row(4n).ts, '0000-00-00 00:00:00.000000');
    assert.equal(row(5n).dt, '2020-02-30');
    assert.equal(row(7n).ts, '2021-10-31 00:30:00.500000');
    assert.equal(row(8n).ts, '2021-10-31 01:30:00.500000');
    assert.notEqual(row(7n).ts_epoch, row(8n).ts_epoch);
    assert.equal(Number(row(8n).ts_epoch) - Number(row(7n).ts_epoch), 3600);
    assert.equal(row(50n).ts, '2021-03-28 01:00:00.250000');
    assert.equal(row(3n).j, Buffer.from(ODD_JSON).toString('hex').toUpperCase());
    assert.equal(row(3n).lt, ALL_BYTES.toString('hex').toUpperCase());
    assert.equal(row(3n).bn, '00FF27225C0A0D1A');
    assert.equal(row(4n).bn, '6100000000000000');
    assert.equal(row(3n).b64, 'FFFFFFFFFFFFFFFF');
    assert.equal(row(3n).hid, Buffer.from('hidden 😀').toString('hex').toUpperCase());
    assert.equal(row(11n).f_bits, '0000000000000000', 'MariaDB stores FLOAT -0 as +0');
    assert.equal(row(11n).db_bits, '0000000000000000', 'MariaDB stores DOUBLE -0 as +0');
  });

  it('copies every row exactly onto its target shard', async () => {
    await waitReplicasCaughtUp(h);
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: Object.keys(DDL) });
    await waitStatus(handle, 'the copy is done on every shard', (s) => s.phase === 'Running', 60_000);
    const { problems, counts } = await compareAll(h);
    assert.deepEqual(problems, []);
    assert.deepEqual(counts, { [VALS]: TUPLES.length + 1, [SEL]: SEL_ROWS.length, [TAB]: TAB_NAMES.length, [LAT]: LAT_NAMES.length });
    // Same column definitions on the target (types, charsets, collations, generated expressions, invisibility).
    for (const t of Object.keys(DDL)) {
      const s = tablet(h, 'source', '-80');
      const want = await columnDefs(s.port, s.db, t);
      for (const shard of TARGET_SHARDS) {
        const p = tablet(h, 'target', shard);
        assert.deepEqual(await columnDefs(p.port, p.db, t), want, `columns of ${t} on target ${shard}`);
      }
    }
  });

  it('replays inserts, updates, key moves and deletes of every value exactly', async () => {
    // Every tuple inserted again (ids 101..), and every copied row updated to another tuple.
    for (let i = 0; i < TUPLES.length; i++) await w.insertVals(BigInt(101 + i), TUPLES[i]);
    for (let i = 0; i < TUPLES.length; i++) await w.updateVals(copiedIds[i], TUPLES[(i + 3) % TUPLES.length]);
    // NULL → values and back, and a single-column change of a TIME.
    await w.updateVals(101n, TUPLES[2]);
    await w.updateVals(101n, TUPLES[0]);
    await w.onShard(valsKsid(102n), ["UPDATE vals SET tm = '-00:00:00.000001', hid = 'h' WHERE id = 102"]);
    // Sharding-key changes: within a source shard (one UPDATE) and across (delete + insert).
    const sameShard = idOnShard(300n, shardOf(SOURCE_SHARDS, valsKsid(103n)));
    const otherShard = idOnShard(300n, SOURCE_SHARDS.find((s) => s !== shardOf(SOURCE_SHARDS, valsKsid(104n)))!);
    assert.equal(await w.moveVals(103n, sameShard, TUPLES[2]), 'same shard');
    assert.equal(await w.moveVals(104n, otherShard, TUPLES[3]), 'across shards');
    // Deletes: of copied rows, and of a row inserted (and never seen copied) during catch-up.
    await w.deleteVals(copiedIds[5]);
    await w.deleteVals(50n);
    await w.insertVals(199n, TUPLES[2]);
    await w.deleteVals(199n);
    // Several tables in one transaction on one shard.
    const ksid = valsKsid(105n);
    const shard = shardOf(SOURCE_SHARDS, ksid);
    const selOnShard = SEL_ROWS.find(([g]) => shardOf(SOURCE_SHARDS, selKsid(g)) === shard)!;
    const tabOnShard = TAB_NAMES.find((n) => shardOf(SOURCE_SHARDS, tabKsid(n)) === shard)!;
    await w.onShard(ksid, [
      `UPDATE vals SET ${valsAssignments(TUPLES[1]).join(', ')} WHERE id = 105`,
      `UPDATE \`select\` SET \`we\`\`ird\` = ${utf8('txn ✓')}, \`key\` = 1.0000001e0 WHERE \`group\` = ${selOnShard[0]} AND \`order\` = ${selOnShard[1]}`,
      `UPDATE \`tab\`\`le\` SET n = -2147483648 WHERE \`na\`\`me\` = ${utf8(tabOnShard)}`,
    ]);
    // Composite key with reserved-word columns: insert, update, key moves, delete.
    await w.insertSel(7n, 18446744073709551615n, 'new `row`', '-1.7976931348623157e308', '-1');
    await w.onShard(selKsid(-1n), ["UPDATE `select` SET `we``ird` = 'was null', `key` = 5e-324 WHERE `group` = -1 AND `order` = 0"]);
    const selMoves = [await w.moveSel(SEL_ROWS[4], -42n), await w.moveSel(SEL_ROWS[0], 9223372036854775806n)];
    await w.onShard(selKsid(0n), ['DELETE FROM `select` WHERE `group` = 0 AND `order` = 9007199254740993']);
    // Case-insensitive varchar key with a backtick in the names: a case-only key change, insert, delete.
    const renames = [await w.renameTab('Apple', 'APPLE'), await w.renameTab('Zoë', 'zoë')];
    await w.insertTab('New 🎉', 7);
    await w.onShard(tabKsid('banana'), ["DELETE FROM `tab``le` WHERE `na``me` = 'BANANA'"]);
    await w.onShard(tabKsid('ß'), ["UPDATE `tab``le` SET n = NULL, uid = 'ffeeddcc-bbaa-1988-f766-554433221100' WHERE `na``me` = 'ß'"]);
    // latin1 keys: moved (to a name routed elsewhere), inserted, updated during catch-up.
    await w.renameLat('café', 'Café€');
    await w.insertLat('Œuvre ‰', 42);
    await w.onShard(latKsid('5€'), [`UPDATE lat SET n = -1 WHERE name = ${utf8('5€')}`]);

    // Let the streams reach the sources' positions, then compare without any cutover.
    const positions = new Map<string, string>();
    for (const s of SOURCE_SHARDS) {
      const p = tablet(h, 'source', s);
      positions.set(s, (await rowsOn<{ p: string }>(p.port, 'SELECT @@gtid_binlog_pos AS p'))[0].p);
    }
    let behind: string[] = [];
    await waitFor('every stream has applied the source positions', async () => {
      behind = [];
      for (const t of TARGET_SHARDS) {
        for (const s of await streamRows(h, WORKFLOW_ID, t)) {
          if (!gtidAtLeast(s.pos, positions.get(s.source_shard)!)) behind.push(`${t} stream ${s.id} from ${s.source_shard} at ${s.pos} (${s.state} ${s.message}), source at ${positions.get(s.source_shard)}`);
        }
      }
      return behind.length === 0;
    }, 120_000).catch((err: Error) => { throw new Error(`${err.message}: ${behind.join('; ')}`); });
    const st = await waitStatus(handle, 'running without errors', (s) => s.phase === 'Running');
    assert.equal(st.errors.length, 0);
    const { problems, counts } = await compareAll(h);
    assert.deepEqual(problems, []);
    // 11 tuples + the Berlin row + 11 inserted − 1 moved-away-and-back (ids change, count kept) − 2 deleted (id 6, 50)
    assert.equal(counts[VALS], TUPLES.length + 1 + TUPLES.length - 2);
    assert.equal(counts[SEL], SEL_ROWS.length + 1 - 1);
    assert.equal(counts[TAB], TAB_NAMES.length + 1 - 1);
    assert.equal(counts[LAT], LAT_NAMES.length + 1);
    // The moves really happened both ways (the test exercised what it meant to).
    assert.ok(selMoves.includes('across shards') || renames.includes('across shards'));
  });

  it('cutover finds nothing to fix; after complete the target still holds every value exactly', async () => {
    // A last burst right before cutover: it must be drained, not lost.
    await w.insertVals(400n, TUPLES[2]);
    await w.updateVals(401n, TUPLES[3]);
    await w.insertVals(401n, TUPLES[6]);
    const ready = await cutoverAndComplete(handle);
    assert.equal(ready.cutover?.mismatches, 0, JSON.stringify(ready.cutover?.verification.filter((v) => !v.match)));
    const { problems, target } = await compareAll(h);
    assert.deepEqual(problems, []);
    // Spot checks of exact values on the target itself.
    const vals = target.get(VALS)!;
    const row = (id: bigint) => vals.get(String(id))!.row;
    assert.equal(row(400n).bu, '18446744073709551615');
    assert.equal(row(400n).f_bits, floatBits(Math.fround(3.4028234663852886e38)));
    assert.equal(row(400n).lb, pseudoRandom(200_000, 7).toString('hex').toUpperCase());
    assert.equal(row(401n).f_bits, floatBits(Math.fround(1e-45)));
    assert.equal(row(401n).db_bits, floatBits(5e-324));
    assert.equal(row(107n).ts_epoch, '1635640200.500000');
    assert.equal(row(108n).ts_epoch, '1635643800.500000');
    assert.equal(row(111n).f_bits, '0000000000000000');
    assert.equal(row(111n).db_bits, '0000000000000000');
    assert.equal(row(2n).f_bits, floatBits(Math.fround(1.0000001)), "FLOAT 1.0000001 kept exactly");
    assert.equal(row(2n).db_bits, floatBits(0.30000000000000004));
    // id 1 was copied, then updated to tuple 3 during catch-up (the binlog path).
    assert.equal(row(1n).tm0, '-01:00:00');
    assert.equal(row(1n).tm, '-00:00:01.500000');
    assert.equal(row(1n).y, '0000');
    assert.equal(row(1n).e_idx, '0');
    assert.equal(row(1n).e2_idx, '1');
    assert.equal(row(1n).ts, '0000-00-00 00:00:00.000000');
    // The tables themselves are the source's (deferred keys back, options, charsets).
    for (const t of Object.keys(DDL)) {
      const s = tablet(h, 'source', '-80');
      const [want] = await rowsOn<Record<string, string>>(s.port, `SHOW CREATE TABLE ${qid(t)}`, [], s.db);
      for (const shard of TARGET_SHARDS) {
        const p = tablet(h, 'target', shard);
        const [got] = await rowsOn<Record<string, string>>(p.port, `SHOW CREATE TABLE ${qid(t)}`, [], p.db);
        assert.equal(got['Create Table'], want['Create Table'], `SHOW CREATE TABLE ${t} on target ${shard}`);
      }
    }
    // Nothing of the run is left on the target.
    for (const shard of TARGET_SHARDS) assert.deepEqual(await streamRows(h, WORKFLOW_ID, shard), []);
  });
});


describe('Migrate: a target table created ahead of time must have the source\'s columns', function () {
  this.timeout(60_000);
  let h: Harness;
  const table = 'pre_narrow';
  const workflow = 'fid_pre_narrow';

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, `customer.${workflow}`);
    await createSourceTables(h, { [table]: `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL, n INT NULL) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [table]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, `customer.${workflow}`);
    await dropTables(h, [table]);
    await removeTablesFromVSchemas(h, [table]).catch(() => undefined);
    await releaseHarness();
  });

  it('refuses an empty target table with a narrower column, and one lacking a column, before copying anything', async () => {
    // The writes are not strict: copying 40 characters into VARCHAR(8) stored 8, silently, and a
    // source column the target lacks was left out of the copy.
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(8) CHARACTER SET utf8mb4 NOT NULL) ENGINE=InnoDB`, p.db);
    }
    await seedPreNarrow(h);
    const handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [table] });
    const err = await handle.result().then(() => undefined, (e: Error & { cause?: Error }) => e.cause?.message ?? e.message);
    assert.ok(err, 'the run must fail');
    for (const shard of TARGET_SHARDS) {
      assert.ok(err.includes(`table ${table} already exists on target shard customer/${shard} with columns that differ from the source's`), err);
    }
    assert.match(err, /column v is varchar\(8\) utf8mb4\/utf8mb4_general_ci NOT NULL on the target, varchar\(64\) utf8mb4\/utf8mb4_general_ci NOT NULL on the source/);
    assert.match(err, /column n is missing on the target/);
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      assert.deepEqual(await rowsOn(p.port, `SELECT * FROM ${table}`, [], p.db), [], 'nothing was copied');
    }
  });
});

async function seedPreNarrow(h: Harness): Promise<void> {
  for (let id = 1n; id <= 6n; id++) await new SourceWriter(h).onShard(valsKsid(id), [`INSERT INTO pre_narrow VALUES (${id}, '${'y'.repeat(40)}', ${id})`]);
}
