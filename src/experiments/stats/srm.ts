/**
 * Sample-ratio mismatch: is the observed split of recipients across arms consistent with the configured
 * weights? A mismatch means assignment or logging is broken (bot filtering on one arm, a redirect that
 * drops users, a cache), and then no comparison between the arms can be trusted, however significant.
 * The conventional alarm threshold is p < 0.001: SRM checks run on every experiment every day, so a 5 %
 * threshold would raise false alarms constantly.
 */
import { chiSquareSf } from './distributions';

export const SRM_P_THRESHOLD = 0.001;

export interface SrmResult {
  statistic: number;
  df: number;
  pValue: number;
  expected: number[];
  /** pValue < threshold: do not trust the experiment's results until the cause is found. */
  mismatch: boolean;
}

/**
 * Chi-square goodness-of-fit of observed counts against expected weights (normalised, so percentages or
 * raw weights both work). An arm with weight 0 that still received recipients is an unconditional mismatch.
 */
export function sampleRatioMismatch(
  observed: readonly number[],
  weights: readonly number[],
  threshold = SRM_P_THRESHOLD,
): SrmResult {
  if (observed.length !== weights.length) {
    throw new RangeError(`observed has ${observed.length} arms but weights has ${weights.length}`);
  }
  observed.forEach((o, i) => {
    if (!Number.isInteger(o) || o < 0)
      throw new RangeError(`observed[${i}] must be an integer ≥ 0 (got ${o})`);
  });
  weights.forEach((w, i) => {
    if (!(w >= 0) || !Number.isFinite(w))
      throw new RangeError(`weights[${i}] must be finite and ≥ 0 (got ${w})`);
  });
  const weightSum = weights.reduce((s, w) => s + w, 0);
  if (!(weightSum > 0)) throw new RangeError('weights must not all be zero');
  const total = observed.reduce((s, o) => s + o, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < observed.length; i++) {
    if (expected[i] === 0) {
      if (observed[i] > 0) statistic = Infinity;
      continue; // a zero-weight arm with nobody in it carries no information
    }
    categories += 1;
    const d = observed[i] - expected[i];
    statistic += (d * d) / expected[i];
  }
  const df = Math.max(1, categories - 1);
  const pValue =
    total === 0 || categories < 2 ? (statistic === Infinity ? 0 : 1) : chiSquareSf(statistic, df);
  return { statistic, df, pValue, expected, mismatch: pValue < threshold };
}
