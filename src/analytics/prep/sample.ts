/**
 * Seeded sampling, so that fitting the same data with the same seed stores the same reference sample on every
 * machine (Math.random cannot be seeded).
 */

/** mulberry32: a small, fast 32-bit generator, uniform on [0, 1). Not cryptographic. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` distinct indices from [0, n), ascending, chosen uniformly without replacement by a partial
 * Fisher–Yates shuffle. Ascending so the sample keeps the source order, which the caller may rely on for
 * tie-breaking. Returns every index when size ≥ n.
 */
export function sampleIndices(n: number, size: number, seed: number): number[] {
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`sample size must be a non-negative integer (got ${size})`);
  if (size >= n) return Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  const pool = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = pool[i];
    pool[i] = pool[j];
    pool[j] = swap;
  }
  return Array.from(pool.subarray(0, size)).sort((a, b) => a - b);
}
