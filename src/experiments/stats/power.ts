/**
 * Fixed-horizon sample size and power for comparing two conversion rates with the pooled two-sided z-test
 * (the test in proportions.ts), using the usual normal approximation: the null spread uses the average rate,
 * the alternative spread each arm's own rate.
 */
import { assertProbability } from './binomial';
import { normalCdf, normalQuantile } from './distributions';

export interface PowerPlan {
  controlRate: number;
  variantRate: number;
  /** Two-sided significance level. */
  alpha?: number;
  power?: number;
}

/** Recipients needed in EACH arm; Infinity when the rates are equal. */
export function samplePerArmForPower(plan: PowerPlan): number {
  const { controlRate: p1, variantRate: p2, alpha = 0.05, power = 0.8 } = plan;
  assertProbability(p1, 'controlRate');
  assertProbability(p2, 'variantRate');
  assertProbability(alpha, 'alpha');
  assertProbability(power, 'power');
  const delta = Math.abs(p2 - p1);
  if (delta === 0) return Infinity;
  const mean = (p1 + p2) / 2;
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zBeta = normalQuantile(power);
  const root = zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((root * root) / (delta * delta));
}

/** Power of the two-sided test with n recipients per arm (ignoring the negligible opposite-tail rejections). */
export function powerAtSamplePerArm(plan: Omit<PowerPlan, 'power'>, samplePerArm: number): number {
  const { controlRate: p1, variantRate: p2, alpha = 0.05 } = plan;
  assertProbability(p1, 'controlRate');
  assertProbability(p2, 'variantRate');
  if (!(samplePerArm > 0)) throw new RangeError(`samplePerArm must be > 0 (got ${samplePerArm})`);
  const mean = (p1 + p2) / 2;
  const nullSe = Math.sqrt((2 * mean * (1 - mean)) / samplePerArm);
  const altSe = Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / samplePerArm);
  return normalCdf((Math.abs(p2 - p1) - normalQuantile(1 - alpha / 2) * nullSe) / altSe);
}
