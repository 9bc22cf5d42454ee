/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain) over the UTF-8 encoding of a string.
 *
 * The UTF-8 bytes are produced on the fly from the UTF-16 code units, so hashing allocates nothing, and the
 * result equals the reference implementation on the same bytes (Python's mmh3.hash(s, seed, signed=False),
 * Guava's murmur3_32_fixed, …): a data team can reproduce any assignment outside this server.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
// A module-level alias instead of a global lookup per call: inside vm contexts (Jest) every access to a
// global such as Math goes through an interceptor and made hashing ~50× slower.
const imul = Math.imul;

// Hash state lives at module level so the per-byte step is a plain function call without a closure or
// object; hashing is synchronous, so calls never interleave.
let h1 = 0;
let pending = 0;
let pendingBits = 0;

function mixBlock(k: number): void {
  k = imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = imul(k, C2);
  h1 ^= k;
  h1 = (h1 << 13) | (h1 >>> 19);
  h1 = (imul(h1, 5) + 0xe6546b64) | 0;
}

function pushByte(byte: number): void {
  pending |= byte << pendingBits;
  pendingBits += 8;
  if (pendingBits === 32) {
    mixBlock(pending);
    pending = 0;
    pendingBits = 0;
  }
}

function finish(length: number): number {
  if (pendingBits > 0) {
    let k = imul(pending, C1);
    k = (k << 15) | (k >>> 17);
    k = imul(k, C2);
    h1 ^= k;
  }
  let h = h1 ^ length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function start(seed: number): void {
  h1 = seed | 0;
  pending = 0;
  pendingBits = 0;
}

/** Unsigned 32-bit MurmurHash3 of the UTF-8 bytes of `text`. Lone surrogates hash as U+FFFD, like Buffer.from. */
export function murmur3(text: string, seed = 0): number {
  start(seed);
  let length = 0;
  const n = text.length;
  let i = 0;
  // ASCII fast path, four characters per block: customer ids are almost always ASCII.
  while (i + 4 <= n) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) >= 0x80) break;
    mixBlock(a | (b << 8) | (c << 16) | (d << 24));
    i += 4;
    length += 4;
  }
  for (; i < n; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      pushByte(code);
      length += 1;
    } else if (code < 0x800) {
      pushByte(0xc0 | (code >> 6));
      pushByte(0x80 | (code & 0x3f));
      length += 2;
    } else if (code >= 0xd800 && code < 0xe000) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (code < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i += 1;
        pushByte(0xf0 | (code >> 18));
        pushByte(0x80 | ((code >> 12) & 0x3f));
        pushByte(0x80 | ((code >> 6) & 0x3f));
        pushByte(0x80 | (code & 0x3f));
        length += 4;
      } else {
        pushByte(0xef);
        pushByte(0xbf);
        pushByte(0xbd);
        length += 3;
      }
    } else {
      pushByte(0xe0 | (code >> 12));
      pushByte(0x80 | ((code >> 6) & 0x3f));
      pushByte(0x80 | (code & 0x3f));
      length += 3;
    }
  }
  return finish(length);
}

/** MurmurHash3 of raw bytes (reference form; murmur3(s) === murmur3Bytes(Buffer.from(s, 'utf8'))). */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  start(seed);
  for (let i = 0; i < bytes.length; i++) pushByte(bytes[i]);
  return finish(bytes.length);
}
