import fc from 'fast-check';
import { murmur3, murmur3Bytes } from './murmur3';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('murmur3', () => {
  it('matches the published MurmurHash3_x86_32 test vectors (every tail length, seeds, high bytes)', () => {
    // From https://stackoverflow.com/questions/14747343/murmurhash3-test-vectors, as used by Boost.Hash2.
    expect(murmur3Bytes(bytes(), 0)).toBe(0);
    expect(murmur3Bytes(bytes(), 1)).toBe(0x514e28b7);
    expect(murmur3Bytes(bytes(), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3Bytes(bytes(0xff, 0xff, 0xff, 0xff), 0)).toBe(0x76293b50);
    expect(murmur3Bytes(bytes(0x21, 0x43, 0x65, 0x87), 0)).toBe(0xf55b516b);
    expect(murmur3Bytes(bytes(0x21, 0x43, 0x65, 0x87), 0x5082edee)).toBe(0x2362f9de);
    expect(murmur3Bytes(bytes(0x21, 0x43, 0x65), 0)).toBe(0x7e4a8634);
    expect(murmur3Bytes(bytes(0x21, 0x43), 0)).toBe(0xa0f7b07a);
    expect(murmur3Bytes(bytes(0x21), 0)).toBe(0x72661cf4);
    expect(murmur3Bytes(bytes(0, 0, 0, 0), 0)).toBe(0x2362f9de);
    expect(murmur3Bytes(bytes(0, 0, 0), 0)).toBe(0x85f0b427);
    expect(murmur3Bytes(bytes(0, 0), 0)).toBe(0x30f4c306);
    expect(murmur3Bytes(bytes(0), 0)).toBe(0x514e28b7);
  });

  it('matches the published vectors for strings', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('abc', 0)).toBe(0xb3dd93fa);
    expect(murmur3('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 0)).toBe(0xee925b90);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
    expect(murmur3('Turn me into a hash', 1234)).toBe(4138100590);
    expect(murmur3('Life, the Universe, and Everything.', 42)).toBe(458076548);
  });

  it('hashes exactly the UTF-8 bytes that Buffer produces, for any UTF-16 string', () => {
    for (const text of [
      'π',
      'ππππππππ',
      '🌵',
      'a🌵b',
      'é',
      '\u0800',
      '\uffff',
      '\ud800',
      'x\udc00y',
      'tail\ud83c',
    ]) {
      expect(murmur3(text, 7)).toBe(murmur3Bytes(Buffer.from(text, 'utf8'), 7));
    }
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: codeUnit }), fc.string()),
        fc.integer({ min: 0, max: 0xffffffff }),
        (text, seed) => murmur3(text, seed) === murmur3Bytes(Buffer.from(text, 'utf8'), seed),
      ),
      { numRuns: 2000 },
    );
  });

  it('returns unsigned 32-bit integers that change with the seed', () => {
    const h = murmur3('customer-42', 1);
    expect(Number.isInteger(h)).toBe(true);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(2 ** 32);
    expect(murmur3('customer-42', 2)).not.toBe(h);
  });
});
