// Single-block DES with the all-zero key, in plain JavaScript.
//
// The hash vindex encrypts one 8-byte block per row. Through OpenSSL that costs a native call
// and a Buffer per block (under a million blocks/s); here it is a few hundred table lookups on
// 32-bit integers with no allocation. The zero key makes DES unusually simple: every round key
// is zero, so the round function needs no key schedule, and because the zero key is one of
// DES's weak keys, encryption and decryption are the same function.
//
// Tables are the ones in FIPS 46-3; everything else is derived from them once, at load time.
// The unit tests check this against OpenSSL (`des-ede3-ecb` with a zero key) block for block.

/** Initial permutation: output bit i (1-based, most significant first) is input bit IP[i-1]. */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
  62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
  61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

/** Permutation applied to the S-box outputs, same convention as IP. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
  2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

/** S1..S8, each 4 rows of 16, indexed by row * 16 + column. */
const S_BOXES = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
    0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
    15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
    3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
    13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
    13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
    1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
    13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
    3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
    14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
    11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
    10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
    4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
    13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
    6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
    1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
    2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

/**
 * A 64-bit permutation as byte-indexed tables: for input byte position b and value v,
 * entry b * 256 + v holds what that byte contributes to the output's high and low words.
 * Permuting is then 16 lookups OR-ed together instead of 64 single-bit moves.
 */
interface BytePermutation { hi: Uint32Array; lo: Uint32Array }

function bytePermutation(table: readonly number[]): BytePermutation {
  const hi = new Uint32Array(8 * 256);
  const lo = new Uint32Array(8 * 256);
  for (let outBit = 0; outBit < 64; outBit++) {
    const inBit = table[outBit] - 1; // 0-based, most significant first
    const inByte = inBit >> 3;
    const inMask = 0x80 >> (inBit & 7);
    const outMask = (1 << (31 - (outBit & 31))) >>> 0;
    const target = outBit < 32 ? hi : lo;
    for (let v = 0; v < 256; v++) {
      if (v & inMask) target[inByte * 256 + v] |= outMask;
    }
  }
  return { hi, lo };
}

/** The inverse permutation of `table` (the final permutation is IP's inverse). */
function inverse(table: readonly number[]): number[] {
  const inv = new Array<number>(table.length);
  table.forEach((from, to) => { inv[from - 1] = to + 1; });
  return inv;
}

/**
 * The round function's S-box and P stages fused: entry box * 64 + six-bit input is the
 * permuted 32-bit contribution of that S-box. With a zero round key, the S-box input is just
 * the expanded half-block, so f(R) is eight lookups.
 */
function spTable(): Uint32Array {
  const sp = new Uint32Array(8 * 64);
  for (let box = 0; box < 8; box++) {
    for (let input = 0; input < 64; input++) {
      const row = ((input >> 4) & 2) | (input & 1); // outer bits
      const column = (input >> 1) & 15; // inner four bits
      const nibble = S_BOXES[box][row * 16 + column];
      const beforeP = nibble << (28 - 4 * box);
      let afterP = 0;
      for (let outBit = 0; outBit < 32; outBit++) {
        if ((beforeP >>> (32 - P[outBit])) & 1) afterP |= 1 << (31 - outBit);
      }
      sp[box * 64 + input] = afterP >>> 0;
    }
  }
  return sp;
}

const INITIAL = bytePermutation(IP);
const FINAL = bytePermutation(inverse(IP));
const SP = spTable();

function permute(perm: BytePermutation, hi: number, lo: number, out: Uint32Array): void {
  const { hi: th, lo: tl } = perm;
  const b0 = hi >>> 24, b1 = 256 + ((hi >>> 16) & 255), b2 = 512 + ((hi >>> 8) & 255), b3 = 768 + (hi & 255);
  const b4 = 1024 + (lo >>> 24), b5 = 1280 + ((lo >>> 16) & 255), b6 = 1536 + ((lo >>> 8) & 255), b7 = 1792 + (lo & 255);
  out[0] = th[b0] | th[b1] | th[b2] | th[b3] | th[b4] | th[b5] | th[b6] | th[b7];
  out[1] = tl[b0] | tl[b1] | tl[b2] | tl[b3] | tl[b4] | tl[b5] | tl[b6] | tl[b7];
}

/**
 * The Feistel function with a zero round key. The expansion E feeds S-box i the six bits of
 * r starting one bit before nibble i, wrapping around the word: a rotation and a mask each.
 */
function feistel(r: number): number {
  return SP[((r << 5) | (r >>> 27)) & 63]
    | SP[64 + ((r >>> 23) & 63)]
    | SP[128 + ((r >>> 19) & 63)]
    | SP[192 + ((r >>> 15) & 63)]
    | SP[256 + ((r >>> 11) & 63)]
    | SP[320 + ((r >>> 7) & 63)]
    | SP[384 + ((r >>> 3) & 63)]
    | SP[448 + (((r << 1) | (r >>> 31)) & 63)];
}

/**
 * Encrypts (or, identically, decrypts) the 64-bit block `hi:lo` with DES under the zero key
 * and leaves the result in `out` as [high 32 bits, low 32 bits].
 */
export function desZeroKey(hi: number, lo: number, out: Uint32Array): void {
  permute(INITIAL, hi, lo, out);
  let l = out[0];
  let r = out[1];
  for (let round = 0; round < 16; round++) {
    const next = (l ^ feistel(r)) >>> 0;
    l = r;
    r = next;
  }
  // The last round's halves are swapped back before the final permutation.
  permute(FINAL, r, l, out);
}
