// charset-text.ts against the server: for every charset it converts, each byte (single-byte
// charsets) or a spread of code units (utf16), decoded here must give the text MariaDB's
// CONVERT(... USING utf8mb4) gives; a value the server cannot convert (it substitutes '?', so the
// text does not convert back to the same bytes) must be refused here, not guessed.
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { charsetTextDecoder, TEXT_CHARSETS } from '../../../src/mysql/charset-text';
import { prng } from '../../../src/local/commerce-load';
import { primaries } from '../../support/migration';
import { testStack } from '../../support/stack';

function samples(charset: string): Buffer[] {
  if (!charset.startsWith('utf16')) return [...Array.from({ length: 256 }, (_, b) => Buffer.from([b])), Buffer.from('plain ASCII'), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x80])];
  const r = prng(charset.length);
  const unit = () => Math.floor(r() * 0x10000);
  const out: Buffer[] = [];
  for (let i = 0; i < 1500; i++) {
    // Mostly one code unit; some surrogate pairs, valid or not.
    const units = i % 5 === 0 ? [0xd800 + (unit() & 0x3ff), i % 10 === 0 ? unit() : 0xdc00 + (unit() & 0x3ff)] : [unit()];
    const b = Buffer.alloc(units.length * 2);
    units.forEach((u, k) => (charset === 'utf16le' ? b.writeUInt16LE(u, k * 2) : b.writeUInt16BE(u, k * 2)));
    out.push(b);
  }
  return out;
}

describe('non-utf8 text as a utf8mb4 client reads it (charset-text.ts)', function () {
  this.timeout(60_000);
  let conn: Connection;

  before(async () => {
    const p = primaries(await testStack(), 'target')[0];
    conn = await connectMysql({ host: '127.0.0.1', port: p.port, user: 'root' });
  });
  after(() => conn?.destroy());

  for (const charset of TEXT_CHARSETS) {
    it(`${charset}: the server's conversion, or a refusal where the server has none`, async () => {
      const decode = charsetTextDecoder(charset);
      const values = samples(charset);
      let converted = 0;
      for (let i = 0; i < values.length; i += 200) {
        const chunk = values.slice(i, i + 200);
        // The server's text, and whether it converts back to the same bytes (else it substituted '?').
        const utf8 = (v: Buffer) => `CONVERT(CONVERT(X'${v.toString('hex')}' USING ${charset}) USING utf8mb4)`;
        const sql = chunk.map((v) => `HEX(${utf8(v)}), CAST(CONVERT(${utf8(v)} USING ${charset}) AS BINARY) = X'${v.toString('hex')}'`).join(', ');
        const [rows] = await conn.query({ sql: `SELECT ${sql}`, rowsAsArray: true });
        chunk.forEach((v, k) => {
          const row = (rows as (string | number)[][])[0];
          const server = Buffer.from(String(row[2 * k]), 'hex').toString('utf8');
          const substituted = Number(row[2 * k + 1]) !== 1;
          let ours: string | undefined;
          try {
            ours = decode(v);
          } catch {
            ours = undefined;
          }
          if (substituted) assert.equal(ours, undefined, `${charset} 0x${v.toString('hex')}: the server has no conversion, ours gave ${JSON.stringify(ours)}`);
          else {
            assert.equal(ours, server, `${charset} 0x${v.toString('hex')}`);
            converted++;
          }
        });
      }
      assert.ok(converted > values.length / 2, `${converted} of ${values.length} converted`);
    });
  }

  it('other charsets: ASCII values as they are, anything else refused', () => {
    assert.equal(charsetTextDecoder('sjis')(Buffer.from('Tokyo 1')), 'Tokyo 1');
    assert.throws(() => charsetTextDecoder('sjis')(Buffer.from([0x93, 0x8c])), /value 0x938c in charset sjis cannot be converted/);
    assert.throws(() => charsetTextDecoder('utf32')(Buffer.from([0, 0, 0, 0x41])), /in charset utf32 cannot be converted/);
  });
});
