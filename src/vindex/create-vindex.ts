// Building a vindex from its VSchema definition.

import { binaryVindex } from './binary';
import { binaryMd5Vindex } from './binary-md5';
import { unsupportedVindexError } from './catalog';
import { hashVindex } from './hash';
import { numericVindex } from './numeric';
import { reverseBitsVindex } from './reverse-bits';
import { createUnicodeLooseXxhashVindex, unicodeLooseMd5Vindex } from './unicode-loose';
import type { Vindex } from './vindex';
import { createXxhashVindex } from './xxhash';

/**
 * The vindex of VSchema type `type`, ready to map synchronously. Async because some types
 * (xxhash) initialise WebAssembly first; await it once, then call map per row.
 * Throws `vindex type <t> is not supported yet` for Vitess types vtmigrate cannot compute
 * (the lookup ones) and `vindex type <t> is not known` otherwise.
 * None of the supported types takes params; like Vitess, unknown params are ignored.
 */
export async function createVindex(type: string, _params: Readonly<Record<string, string>> = {}): Promise<Vindex> {
  switch (type) {
    case 'hash': return hashVindex;
    case 'xxhash': return createXxhashVindex();
    case 'numeric': return numericVindex;
    case 'reverse_bits': return reverseBitsVindex;
    case 'binary': return binaryVindex;
    case 'binary_md5': return binaryMd5Vindex;
    case 'unicode_loose_md5': return unicodeLooseMd5Vindex;
    case 'unicode_loose_xxhash': return createUnicodeLooseXxhashVindex();
    default: throw unsupportedVindexError(type);
  }
}
