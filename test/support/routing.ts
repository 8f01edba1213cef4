// An independent implementation of where Vitess puts a row, for tests that check the project's
// results: OpenSSL's DES (not the project's) for `hash`, node's MD5 for `binary_md5`, and plain
// byte comparison of shard ranges. Slow and simple on purpose.
import crypto from 'node:crypto';

const DES_KEY = Buffer.alloc(24); // single DES with a zero key == 3DES-EDE with a zero key

export function hashKsid(id: bigint | number | string): Buffer {
  let v = BigInt(id);
  if (v < 0n) v += 1n << 64n;
  const block = Buffer.alloc(8);
  block.writeBigUInt64BE(v);
  const c = crypto.createCipheriv('des-ede3-ecb', DES_KEY, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

export function md5Ksid(value: string | Buffer): Buffer {
  return crypto.createHash('md5').update(value).digest();
}

function bound(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

/** The shard (e.g. `40-c0`) whose range holds ksid. */
export function shardOf(shards: string[], ksid: Buffer): string {
  for (const s of shards) {
    const [start, end] = s === '0' || s === '-' ? ['', ''] : s.split('-');
    const afterStart = start === '' || Buffer.compare(ksid, bound(start)) >= 0;
    const beforeEnd = end === '' || Buffer.compare(ksid, bound(end)) < 0;
    if (afterStart && beforeEnd) return s;
  }
  throw new Error(`no shard of ${shards.join(',')} holds ${ksid.toString('hex')}`);
}
