/**
 * Thompson sampling for multi-armed bandits over conversion rates: each arm's traffic share is the
 * posterior probability that it is the best arm, estimated by drawing once from every arm's Beta posterior
 * and counting wins. The shares become weights for the deterministic hash assignment, refreshed
 * periodically (e.g. nightly), so a customer keeps their arm between refreshes.
 *
 * The random source is injected so allocations can be reproduced from a seed (createSeededRandom).
 */
import { BUCKETS } from './experiment-definition';
import type { RandomSource } from './prng';

export interface BanditArm {
  /** Recipients so far. */
  n: number;
  conversions: number;
}

export interface ThompsonOptions {
  random: RandomSource;
  /** Monte Carlo draws; the share estimates have standard error ≤ 0.5/sqrt(draws). Default 10 000. */
  draws?: number;
  /**
   * Minimum share every arm keeps (e.g. 0.01), so an arm that looked bad early can still recover and the
   * posterior of every arm keeps improving. Default 0.
   */
  floor?: number;
  /** Beta prior, default Beta(1, 1). */
  prior?: { alpha: number; beta: number };
}

/** Standard normal by the Marsaglia polar method. */
export function sampleStandardNormal(random: RandomSource): number {
  for (;;) {
    const u = 2 * random() - 1;
    const v = 2 * random() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through the boost Gamma(a) = Gamma(a + 1)·U^(1/a). */
export function sampleGamma(shape: number, random: RandomSource): number {
  if (!(shape > 0) || !Number.isFinite(shape))
    throw new RangeError(`gamma shape must be finite and > 0 (got ${shape})`);
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleStandardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, random: RandomSource): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}

function posteriorsOf(
  arms: readonly BanditArm[],
  prior: { alpha: number; beta: number },
): Array<[number, number]> {
  if (arms.length === 0) throw new RangeError('a bandit needs at least one arm');
  if (!(prior.alpha > 0) || !(prior.beta > 0)) throw new RangeError('prior alpha and beta must be > 0');
  return arms.map((arm, i) => {
    if (
      !Number.isInteger(arm.n) ||
      arm.n < 0 ||
      !Number.isInteger(arm.conversions) ||
      arm.conversions < 0 ||
      arm.conversions > arm.n
    ) {
      throw new RangeError(
        `arms[${i}] needs integers 0 ≤ conversions ≤ n (got n=${arm.n}, conversions=${arm.conversions})`,
      );
    }
    return [prior.alpha + arm.conversions, prior.beta + arm.n - arm.conversions];
  });
}

/** One Thompson draw: the index of the arm whose sampled rate is highest (for per-send decisions). */
export function thompsonChoose(
  arms: readonly BanditArm[],
  random: RandomSource,
  prior: { alpha: number; beta: number } = { alpha: 1, beta: 1 },
): number {
  const posteriors = posteriorsOf(arms, prior);
  let best = 0;
  let bestDraw = -1;
  posteriors.forEach(([a, b], i) => {
    const draw = sampleBeta(a, b, random);
    if (draw > bestDraw) {
      bestDraw = draw;
      best = i;
    }
  });
  return best;
}

/**
 * Traffic shares for the next period, summing to 1 and each either 0 or at least one assignment bucket,
 * ready to use as arm weights in createAssigner.
 */
export function thompsonAllocation(arms: readonly BanditArm[], options: ThompsonOptions): number[] {
  const { random, draws = 10_000, floor = 0, prior = { alpha: 1, beta: 1 } } = options;
  if (!Number.isInteger(draws) || draws < 1)
    throw new RangeError(`draws must be a positive integer (got ${draws})`);
  if (!(floor >= 0) || floor * arms.length > 1) {
    throw new RangeError(
      `floor must be ≥ 0 and leave room for every arm (got ${floor} × ${arms.length} arms)`,
    );
  }
  const posteriors = posteriorsOf(arms, prior);
  const wins = new Array<number>(arms.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestDraw = -1;
    for (let i = 0; i < posteriors.length; i++) {
      const draw = sampleBeta(posteriors[i][0], posteriors[i][1], random);
      if (draw > bestDraw) {
        bestDraw = draw;
        best = i;
      }
    }
    wins[best] += 1;
  }
  const free = 1 - floor * arms.length;
  return roundToBuckets(wins.map((w) => floor + (free * w) / draws));
}

/**
 * Rounds shares to whole buckets with the largest-remainder method, so the weights sum to exactly 1 and no
 * arm is left with a sliver smaller than one bucket (which assignment validation rejects).
 */
function roundToBuckets(shares: readonly number[]): number[] {
  const exact = shares.map((s) => s * BUCKETS);
  const units = exact.map(Math.floor);
  let remaining = BUCKETS - units.reduce((s, u) => s + u, 0);
  const order = exact.map((e, i) => i).sort((a, b) => exact[b] - units[b] - (exact[a] - units[a]) || a - b);
  for (const i of order) {
    if (remaining <= 0) break;
    units[i] += 1;
    remaining -= 1;
  }
  return units.map((u) => u / BUCKETS);
}
