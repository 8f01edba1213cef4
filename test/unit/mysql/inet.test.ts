// Vectors: what MariaDB 10.11 prints for these stored INET6 values (SELECT a, HEX(a)).
import { strict as assert } from 'node:assert';
import { formatInet, formatInet4, formatInet6, parseInet } from '../../../src/mysql/inet';

describe('INET4/INET6 text forms', () => {
  it('formats INET6 as the server prints it', () => {
    const vectors: [string, string][] = [
      ['20010db8000000000000ff0000428329', '2001:db8::ff00:42:8329'], ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
      ['00000000000000000000000001020304', '::1.2.3.4'], ['00010000000000010000000000000001', '1:0:0:1::1'],
      ['00000000000000000000000000000000', '::'], ['fe800000000000000001000000000000', 'fe80::1:0:0:0'],
      ['00000000000000000000000000000001', '::1'], ['00000000000000000000000000000002', '::2'],
      ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'], ['0000000000000000000000000000ffff', '::ffff'],
      ['00000000000000000000000000010000', '::0.1.0.0'], ['00000000000000000000000100000000', '::1:0:0'],
      ['00010000000000000000000000000000', '1::'], ['00000001000000000000000000000000', '0:1::'],
      ['ff020000000000000000000000000001', 'ff02::1'], ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
      ['00000000000000000000fffe01020304', '::fffe:102:304'], ['000000000000000000000000ff000001', '::255.0.0.1'],
    ];
    for (const [hex, text] of vectors) assert.equal(formatInet6(Buffer.from(hex, 'hex')), text, hex);
    // Back to the stored bytes (VDiff orders INET keys by them), from the printed form and others.
    for (const [hex, text] of vectors) assert.equal(parseInet(text, 16).toString('hex'), hex, text);
    assert.equal(parseInet('2001:DB8:0:0:0:ff00:42:8329', 16).toString('hex'), '20010db8000000000000ff0000428329');
    assert.equal(parseInet('::ffff:0102:0304', 16).toString('hex'), '00000000000000000000ffff01020304');
    for (const bad of ['1:2:3:4:5:6:7', '1::2::3', '1:2:3:4:5:6:7:8:9', '::12345', '::1.2.3', 'g::', '1:2:3:4:5:6:7::8']) {
      assert.throws(() => parseInet(bad, 16), /not an INET6 value/, bad);
    }
  });

  it('formats INET4, and pads bytes a binlog left short', () => {
    assert.equal(formatInet4(Buffer.from('0a000001', 'hex')), '10.0.0.1');
    assert.equal(formatInet(Buffer.from('0a', 'hex'), 4), '10.0.0.0');
    assert.equal(formatInet(Buffer.from('fe80', 'hex'), 16), 'fe80::');
    assert.equal(parseInet('10.0.0.1', 4).toString('hex'), '0a000001');
    assert.throws(() => parseInet('10.0.0.256', 4), /not an INET4 value: 10.0.0.256/);
  });
});
