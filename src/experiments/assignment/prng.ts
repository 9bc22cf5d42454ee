/**
 * Seeded pseudo-random numbers for bandit allocation and simulations. Math.random cannot be seeded, which
 * would make Thompson-sampling allocations (and their tests) impossible to reproduce.
 */

/** Returns a uniform number strictly inside (0, 1). */
export type RandomSource = () => number;

/** splitmix32: spreads a possibly low-entropy seed (0, 1, 2, …) over the generator's 128-bit state. */
function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let t = state ^ (state >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): passes PractRand to terabytes, 32-bit ops only.
 * Not cryptographic: never use it for anything a customer could exploit by predicting it.
 */
export function createSeededRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer (got ${seed})`);
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    // +0.5 keeps the result off 0 and 1, so callers can take log(u) or log(1 - u) safely.
    return ((t >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}
