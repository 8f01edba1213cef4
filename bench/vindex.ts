// Keyspace-id computation rates: how many values per second each hot vindex path maps.
// Run: node dist/bench/vindex.js. No assertions; the numbers are for comparison across changes.

import { createVindex, parseShardName, shardFinder, type SqlValue } from '../src/vindex';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const COUNT = 2_000_000;

/** Values/s of `map` over `values`, after a warm-up pass so the JIT has settled. */
function rate(values: readonly SqlValue[], map: (value: SqlValue) => unknown): number {
  let sink = 0;
  for (let i = 0; i < Math.min(values.length, 200_000); i++) if (map(values[i]) !== null) sink++;
  const started = process.hrtime.bigint();
  for (let i = 0; i < values.length; i++) if (map(values[i]) !== null) sink++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink < 0) console.log(sink); // keeps the results observable
  return Math.round(values.length / seconds);
}

function inputs(): Record<string, SqlValue[]> {
  const numbers: number[] = [];
  const smallStrings: string[] = [];
  const bigStrings: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    numbers.push(i * 7919);
    smallStrings.push(String(i * 7919));
    // BIGINT ids as mysql2 returns them: 19-digit decimal strings near 2^63.
    bigStrings.push((9_000_000_000_000_000_000n + BigInt(i) * 1_000_003n).toString());
  }
  return { numbers, smallStrings, bigStrings };
}

export async function benchVindex(): Promise<BenchResult[]> {
  const { numbers, smallStrings, bigStrings } = inputs();
  const hash = await createVindex('hash');
  const xxhash = await createVindex('xxhash');
  const find = shardFinder(['-40', '40-80', '80-c0', 'c0-'].map((name) => ({ name, keyRange: parseShardName(name) })));
  const unit = 'values/s';
  return [
    { name: 'vindex hash (number)', value: rate(numbers, hash.map), unit },
    { name: 'vindex hash (decimal string)', value: rate(smallStrings, hash.map), unit },
    { name: 'vindex hash (19-digit bigint string)', value: rate(bigStrings, hash.map), unit },
    { name: 'vindex hash + shard of 4 (bigint string)', value: rate(bigStrings, (v) => find(hash.map(v) as Buffer)), unit },
    { name: 'vindex xxhash (number)', value: rate(numbers, xxhash.map), unit },
    { name: 'vindex xxhash (19-digit bigint string)', value: rate(bigStrings, xxhash.map), unit },
  ];
}

if (require.main === module) {
  benchVindex().then(
    (results) => {
      for (const { name, value, unit } of results) console.log(`${name.padEnd(42)} ${value.toLocaleString('en-US').padStart(12)} ${unit}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
