// VDiff's streamed reader (vdiff-reader.ts streamedRows) against a real server: one SELECT whose
// rows are held back by TCP once `bufferRows` wait in memory. It must give exactly the rows the
// chunked reader gives (in order, after a lastpk, through the keep filter), however small the
// buffer, and say whether the server is still sending.
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { ROW_READER_CONNECT_OPTIONS, type RowValue } from '../../../src/mysql/values';
import { textFieldDecoder, textValueDecoder } from '../../../src/mysql/text-values';
import { loadTableTarget, type TableTarget } from '../../../src/activities/table-target';
import { buildKeyOrder, type KeyOrder } from '../../../src/activities/vdiff-keys';
import { chunkedRows, streamedRows, type RowStream, type TextRows } from '../../../src/activities/vdiff-reader';
import { primaries } from '../../support/migration';
import { testStack } from '../../support/stack';

const DB = 'vdiff_streamed_rows';
const ROWS = 5_000;

async function drain(rows: RowStream): Promise<(readonly RowValue[])[]> {
  const seen: (readonly RowValue[])[] = [];
  for (let row = await rows.peek(); row; row = await rows.peek()) {
    seen.push(row);
    rows.take();
  }
  return seen;
}

describe('VDiff streamed reader', function () {
  this.timeout(60_000);
  let endpoint: { host: string; port: number; user: string };
  let conn: Connection;
  let tt: TableTarget;
  let order: KeyOrder;
  let text: TextRows;

  before(async () => {
    const p = primaries(await testStack(), 'target')[0];
    endpoint = { host: '127.0.0.1', port: p.port, user: 'root' };
    conn = await connectMysql(endpoint, ROW_READER_CONNECT_OPTIONS);
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.query(`CREATE DATABASE ${DB}`);
    await conn.query(`CREATE TABLE ${DB}.t (tenant VARCHAR(8) COLLATE utf8mb4_general_ci NOT NULL, id INT NOT NULL, body VARCHAR(200), PRIMARY KEY (tenant, id))`);
    const values = Array.from({ length: ROWS }, (_, i) => `('${['a', 'B', 'c'][i % 3]}', ${i}, ${i % 7 === 0 ? 'NULL' : `REPEAT('x', ${i % 200})`})`);
    for (let i = 0; i < values.length; i += 1_000) await conn.query(`INSERT INTO ${DB}.t VALUES ${values.slice(i, i + 1_000).join(', ')}`);
    tt = await loadTableTarget(conn, DB, { name: 't', pkColumns: ['tenant', 'id'], rowsEstimate: 0, bytesEstimate: 0 });
    order = await buildKeyOrder(conn, 't', tt.pkIndexes.map((x) => tt.columnSchemas[x]), tt.pkIndexes, tt.columns.length);
    text = {
      decoders: tt.columnSchemas.map((c, i) => textValueDecoder(c, tt.kinds[i])),
      fieldDecoders: tt.columnSchemas.map((c, i) => textFieldDecoder(c, tt.kinds[i])),
      decode: [...tt.pkIndexes],
    };
  });

  after(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    conn.destroy();
  });

  const keys = (rows: (readonly RowValue[])[]) => rows.map((r) => `${String(r[0])}/${String(r[1])}/${(r[r.length - 1] as Buffer).toString('hex')}`);

  it('gives the chunked reader\'s rows, in order, after a lastpk and through a filter, with a buffer of 3 rows', async () => {
    const keep = (row: readonly RowValue[]) => Number(row[1]) % 5 !== 0;
    const from: RowValue[] = ['B', 1_000];
    const chunked = await drain(chunkedRows(conn, tt, DB, order, from, 97, 'chunked', keep, text));
    const streamed = streamedRows(conn, tt, DB, order, from, 3, 'streamed', keep, text);
    const got = await drain(streamed);
    assert.ok(streamed.finished());
    assert.ok(chunked.length > 1_000, `only ${chunked.length} rows after (B, 1000)`);
    assert.deepEqual(keys(got), keys(chunked));
    assert.ok(got.every((r) => keep(r) && (String(r[0]).toLowerCase() > 'b' || (String(r[0]).toLowerCase() === 'b' && Number(r[1]) > 1_000))));
    // The connection is free again.
    const [[{ n }]] = await conn.query(`SELECT COUNT(*) AS n FROM ${DB}.t`) as unknown as [{ n: number }[]];
    assert.equal(Number(n), ROWS);
  });

  it('holds the server back while the rows wait, and reports a stream left before its end as unfinished', async () => {
    // 40 MB: more than the sockets between client and server buffer.
    await conn.query(`CREATE TABLE ${DB}.wide (id INT PRIMARY KEY, body TEXT)`);
    await conn.query(`INSERT INTO ${DB}.wide SELECT seq, REPEAT('y', 2000) FROM ${DB}.seq_1_to_20000`);
    const wt = await loadTableTarget(conn, DB, { name: 'wide', pkColumns: ['id'], rowsEstimate: 0, bytesEstimate: 0 });
    const wo = await buildKeyOrder(conn, 'wide', wt.pkIndexes.map((x) => wt.columnSchemas[x]), wt.pkIndexes, wt.columns.length);
    const wtext: TextRows = {
      decoders: wt.columnSchemas.map((c, i) => textValueDecoder(c, wt.kinds[i])),
      fieldDecoders: wt.columnSchemas.map((c, i) => textFieldDecoder(c, wt.kinds[i])),
      decode: [...wt.pkIndexes],
    };
    const reader = await connectMysql(endpoint, ROW_READER_CONNECT_OPTIONS);
    try {
      const [[{ id }]] = await reader.query('SELECT CONNECTION_ID() AS id') as unknown as [{ id: number }[]];
      const rows = streamedRows(reader, wt, DB, wo, null, 10, 'streamed', () => true, wtext);
      const first = await rows.peek();
      assert.equal(first?.[0], 1);
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 5; i++) rows.take();
      assert.equal(rows.finished(), false);
      // The server still runs the SELECT: it is waiting for the client to read.
      const [list] = await conn.query('SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = ?', [id]) as unknown as [{ COMMAND: string; INFO: string | null }[]];
      assert.match(String(list[0]?.INFO), /^SELECT /);
      const rest = await drain(rows);
      assert.equal(rest.length, 20_000 - 5);
      assert.equal(rest[rest.length - 1][0], 20_000);
      assert.ok(rows.finished());
    } finally {
      reader.destroy();
    }
  });
});
