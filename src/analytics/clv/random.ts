/**
 * Small seeded random source for simulating customer populations (model round-trip tests, what-if tools).
 * Not cryptographic; chosen for reproducibility across platforms, which Math.random cannot give.
 */

// Jest evaluates modules in a vm context where every global lookup (Math, Number, Infinity) goes through an
// interceptor and costs ~100 ns; simulations draw millions of variates, so bind them once.
const { cos, imul, log, pow, sqrt, PI } = Math;

export type Rng = () => number;

/** mulberry32: uniform on (0, 1), never exactly 0 so logs and powers of the draw stay finite. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

export function sampleNormal(rng: Rng): number {
  return sqrt(-2 * log(rng())) * cos(2 * PI * rng());
}

export function sampleExponential(rng: Rng, rate: number): number {
  return -log(rng()) / rate;
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000); shapes below 1 via the U^(1/shape) boost. */
export function sampleGamma(rng: Rng, shape: number, rate: number): number {
  if (!(shape > 0) || !(rate > 0)) throw new RangeError('shape and rate must be positive');
  if (shape < 1) return sampleGamma(rng, shape + 1, rate) * pow(rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || log(u) < 0.5 * x * x + d * (1 - v + log(v))) return (d * v) / rate;
  }
}

export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a, 1);
  const y = sampleGamma(rng, b, 1);
  return x / (x + y);
}
