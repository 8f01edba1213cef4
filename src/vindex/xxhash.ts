// The `xxhash` vindex: XXH64 (seed 0) of the value's SQL text, written little-endian as an
// 8-byte keyspace id, as Vitess writes cespare/xxhash's Sum64.
//
// xxhash-wasm compiles its WebAssembly asynchronously, once per process. createXxhashVindex
// awaits that; the vindex it returns then maps synchronously, like every other vindex.

import xxhash from 'xxhash-wasm';
import { sqlText, type SqlValue } from './sql-value';
import type { Vindex } from './vindex';

type XxhashApi = Awaited<ReturnType<typeof xxhash>>;

let loading: Promise<XxhashApi> | undefined;

/** The process-wide xxhash instance; concurrent callers share one initialisation. */
export function loadXxhash(): Promise<XxhashApi> {
  loading ??= xxhash().catch((err: unknown) => {
    loading = undefined; // let a later call retry rather than replay the failure forever
    throw err;
  });
  return loading;
}

/** Builds the keyspace-id function over an initialised xxhash instance. */
function xxhashKeyspaceIdWith(api: XxhashApi): (value: SqlValue) => Buffer {
  return (value) => {
    const text = sqlText(value);
    // h64 encodes strings to UTF-8 inside wasm memory, saving an intermediate Buffer.
    const hash = typeof text === 'string' ? api.h64(text) : api.h64Raw(text);
    const ksid = Buffer.allocUnsafe(8);
    ksid.writeBigUInt64LE(hash);
    return ksid;
  };
}

/** The xxhash vindex, once xxhash-wasm is ready. */
export async function createXxhashVindex(): Promise<Vindex> {
  const map = xxhashKeyspaceIdWith(await loadXxhash());
  return { type: 'xxhash', cost: 1, unique: true, needsVCursor: false, map };
}
