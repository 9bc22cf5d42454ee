/**
 * Main effects and two-way interactions of a full-factorial (multivariate) test, from per-cell counts.
 *
 * Each effect is a linear contrast of cell conversion rates, Σ w_c p̂_c, with variance Σ w_c² p̂_c(1-p̂_c)/n_c
 * because cells are independent. The first level of every factor is its baseline (the "control" level):
 *
 * - main effect of factor F at level ℓ: mean rate of cells with F = ℓ minus mean rate of cells with F = baseline,
 *   every combination of the other factors weighted equally (unweighted marginal means, so an uneven split
 *   of recipients between cells cannot leak one factor's effect into another's);
 * - interaction of F at ℓ and G at m: the difference in differences (effect of F=ℓ when G=m) − (effect of F=ℓ
 *   when G=baseline), averaged over the remaining factors. For a 2×2 this is twice the "AB effect" of
 *   textbooks that use ±1 coding with a 1/2 factor (e.g. Montgomery); the p-value is the same.
 *
 * For a factor with more than two levels each non-baseline level gets its own contrast, and the term as a
 * whole gets a joint Wald chi-square test on (levels − 1) or (levels − 1)(levels − 1) degrees of freedom.
 */
import { assertBinomial, assertProbability, type BinomialSummary } from './binomial';
import { chiSquareSf, normalQuantile, twoSidedNormalP } from './distributions';
import type { Interval } from './proportions';

export interface FactorSpec {
  name: string;
  /** The first level is the baseline every other level is compared with. */
  levels: readonly string[];
}

export interface FactorialCell extends BinomialSummary {
  /** One level name per factor, in the order of the factors array. */
  levels: readonly string[];
}

export interface EffectEstimate {
  /** Factor names involved (one for a main effect, two for an interaction). */
  factors: string[];
  /** The non-baseline level of each factor that this contrast compares with the baseline. */
  levels: string[];
  estimate: number;
  standardError: number;
  z: number;
  pValue: number;
  interval: Interval;
}

export interface TermTest {
  /** "subject" or "subject × image". */
  term: string;
  factors: string[];
  df: number;
  /** Joint Wald chi-square over all of the term's contrasts. */
  statistic: number;
  pValue: number;
  contrasts: EffectEstimate[];
}

export interface FactorialAnalysis {
  mainEffects: TermTest[];
  interactions: TermTest[];
}

/** Throws one RangeError listing every problem with the design and the cells. */
function indexCells(factors: readonly FactorSpec[], cells: readonly FactorialCell[]): FactorialCell[] {
  const problems: string[] = [];
  if (factors.length === 0) problems.push('factors: at least one factor is required');
  const names = new Set<string>();
  factors.forEach((f, i) => {
    if (names.has(f.name)) problems.push(`factors[${i}].name: duplicate factor "${f.name}"`);
    names.add(f.name);
    if (f.levels.length < 2) problems.push(`factors[${i}].levels: "${f.name}" needs at least 2 levels`);
    if (new Set(f.levels).size !== f.levels.length)
      problems.push(`factors[${i}].levels: duplicate level names`);
  });
  if (problems.length > 0) throw new RangeError(`invalid factorial design:\n${problems.join('\n')}`);

  const cellCount = factors.reduce((c, f) => c * f.levels.length, 1);
  const byIndex = new Array<FactorialCell | undefined>(cellCount);
  cells.forEach((cell, i) => {
    try {
      assertBinomial(cell, `cells[${i}]`);
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (cell.levels.length !== factors.length) {
      problems.push(`cells[${i}].levels: expected ${factors.length} levels, got ${cell.levels.length}`);
      return;
    }
    let index = 0;
    for (let f = 0; f < factors.length; f++) {
      const level = factors[f].levels.indexOf(cell.levels[f]);
      if (level < 0) {
        problems.push(`cells[${i}].levels[${f}]: "${cell.levels[f]}" is not a level of "${factors[f].name}"`);
        return;
      }
      index = index * factors[f].levels.length + level;
    }
    if (byIndex[index]) problems.push(`cells[${i}]: duplicate cell ${cell.levels.join(' / ')}`);
    byIndex[index] = cell;
  });
  for (let index = 0; index < cellCount; index++) {
    if (!byIndex[index]) problems.push(`cells: missing cell ${levelsOf(factors, index).join(' / ')}`);
  }
  if (problems.length > 0) throw new RangeError(`invalid factorial data:\n${problems.join('\n')}`);
  return byIndex as FactorialCell[];
}

/** Level index of every factor for a cell index (first factor varies slowest). */
function levelIndices(factors: readonly FactorSpec[], index: number): number[] {
  const result = new Array<number>(factors.length);
  for (let f = factors.length - 1; f >= 0; f--) {
    const size = factors[f].levels.length;
    result[f] = index % size;
    index = Math.floor(index / size);
  }
  return result;
}

function levelsOf(factors: readonly FactorSpec[], index: number): string[] {
  return levelIndices(factors, index).map((l, f) => factors[f].levels[l]);
}

/**
 * Per-cell variance of the rate. A cell at 0 % or 100 % has a plug-in variance of 0, which would claim
 * certainty from a handful of recipients (and make the joint test singular); those cells alone use
 * (x + ½)/(n + 1) for the variance.
 */
function cellVariance(cell: FactorialCell): number {
  const p = cell.conversions / cell.n;
  if (p > 0 && p < 1) return (p * (1 - p)) / cell.n;
  const adjusted = (cell.conversions + 0.5) / (cell.n + 1);
  return (adjusted * (1 - adjusted)) / cell.n;
}

/** Solves A x = b for symmetric positive-definite A by Cholesky; returns null if A is not positive definite. */
function choleskySolve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * x[k];
    x[i] = sum / l[i][i];
  }
  return x;
}

export function analyzeFactorial(
  factors: readonly FactorSpec[],
  cells: readonly FactorialCell[],
  confidence = 0.95,
): FactorialAnalysis {
  assertProbability(confidence, 'confidence');
  const ordered = indexCells(factors, cells);
  const rates = ordered.map((c) => c.conversions / c.n);
  const variances = ordered.map(cellVariance);
  const cellLevels = ordered.map((_, index) => levelIndices(factors, index));
  const zCritical = normalQuantile(0.5 + confidence / 2);

  // Contrast weights for a term (set of factor indices) at one non-baseline level per factor.
  const weightsFor = (termFactors: number[], targetLevels: number[]): number[] => {
    const cellsPerCombination = termFactors.reduce((c, f) => c / factors[f].levels.length, ordered.length);
    return cellLevels.map((levels) => {
      let sign = 1;
      for (let t = 0; t < termFactors.length && sign !== 0; t++) {
        const level = levels[termFactors[t]];
        sign *= level === targetLevels[t] ? 1 : level === 0 ? -1 : 0;
      }
      return sign / cellsPerCombination;
    });
  };

  const analyzeTerm = (termFactors: number[]): TermTest => {
    // Every combination of non-baseline levels of the term's factors.
    let targets: number[][] = [[]];
    for (const f of termFactors) {
      const next: number[][] = [];
      for (const prefix of targets)
        for (let l = 1; l < factors[f].levels.length; l++) next.push([...prefix, l]);
      targets = next;
    }
    const weights = targets.map((target) => weightsFor(termFactors, target));
    const estimates = weights.map((w) => w.reduce((s, wc, c) => s + wc * rates[c], 0));
    const covariance = weights.map((wi) =>
      weights.map((wj) => wi.reduce((s, wic, c) => s + wic * wj[c] * variances[c], 0)),
    );
    const names = termFactors.map((f) => factors[f].name);
    const contrasts = targets.map((target, i): EffectEstimate => {
      const standardError = Math.sqrt(covariance[i][i]);
      const z = estimates[i] / standardError;
      return {
        factors: names,
        levels: target.map((l, t) => factors[termFactors[t]].levels[l]),
        estimate: estimates[i],
        standardError,
        z,
        pValue: twoSidedNormalP(z),
        interval: {
          lower: estimates[i] - zCritical * standardError,
          upper: estimates[i] + zCritical * standardError,
        },
      };
    });
    const solved = choleskySolve(covariance, estimates);
    // Cell variances are strictly positive and contrasts linearly independent, so this is a safety net only.
    const statistic = solved ? solved.reduce((s, x, i) => s + x * estimates[i], 0) : NaN;
    return {
      term: names.join(' × '),
      factors: names,
      df: targets.length,
      statistic,
      pValue: solved ? chiSquareSf(statistic, targets.length) : NaN,
      contrasts,
    };
  };

  const mainEffects = factors.map((_, f) => analyzeTerm([f]));
  const interactions: TermTest[] = [];
  for (let f = 0; f < factors.length; f++) {
    for (let g = f + 1; g < factors.length; g++) interactions.push(analyzeTerm([f, g]));
  }
  return { mainEffects, interactions };
}
