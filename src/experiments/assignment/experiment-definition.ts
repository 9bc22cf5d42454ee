/**
 * Experiment definitions (A/B/n arms or full-factorial factors), their validation, and the expansion of
 * factors into cells. Validation reports every problem at once, each with a path into the definition, so
 * an editor can highlight all the bad fields in one round trip instead of one per save.
 */

/** Traffic is split in units of 1/BUCKETS (0.01 %). */
export const BUCKETS = 10_000;
/** Tolerance for weights summing to 1, which absorbs float error in e.g. [0.1, 0.2, 0.7] but not typos. */
export const WEIGHT_SUM_TOLERANCE = 1e-9;

export interface ArmDefinition {
  name: string;
  weight: number;
}

export interface FactorDefinition {
  name: string;
  /** The first level is the factor's baseline. */
  levels: readonly string[];
  /** Per-level traffic share (sums to 1); equal shares when omitted. Cell weight = product over factors. */
  weights?: readonly number[];
}

export interface HoldoutDefinition {
  /** Share of customers who get no treatment at all, in [0, 1). */
  fraction: number;
  /**
   * Hash key of the holdout. Experiments sharing a key hold out the same customers (a global holdout);
   * defaults to the experiment key, giving a holdout independent of every other experiment.
   */
  key?: string;
}

export interface ExperimentDefinition {
  key: string;
  /** A/B/n: named arms with weights summing to 1. */
  arms?: readonly ArmDefinition[];
  /** Multivariate: every combination of factor levels becomes a cell (full factorial). */
  factors?: readonly FactorDefinition[];
  holdout?: HoldoutDefinition;
}

export interface DefinitionProblem {
  /** Where the problem is, e.g. "arms[2].weight" or "factors[0].levels". */
  path: string;
  message: string;
}

export class InvalidExperimentDefinitionError extends Error {
  constructor(readonly problems: readonly DefinitionProblem[]) {
    super(
      `invalid experiment definition:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`,
    );
    this.name = 'InvalidExperimentDefinitionError';
  }
}

export interface Cell {
  /** Stable name, "factor=level" pairs joined by "|", e.g. "subject=short|image=hero". */
  name: string;
  /** Level name per factor, in factor order. */
  levels: string[];
  weight: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/** Cells of the full factorial, first factor varying slowest. Assumes a valid definition. */
export function expandFactorial(factors: readonly FactorDefinition[]): Cell[] {
  let cells: Cell[] = [{ name: '', levels: [], weight: 1 }];
  for (const factor of factors) {
    const next: Cell[] = [];
    for (const cell of cells) {
      factor.levels.forEach((level, l) => {
        const share = factor.weights ? factor.weights[l] : 1 / factor.levels.length;
        const part = `${factor.name}=${level}`;
        next.push({
          name: cell.name ? `${cell.name}|${part}` : part,
          levels: [...cell.levels, level],
          weight: cell.weight * share,
        });
      });
    }
    cells = next;
  }
  return cells;
}

/** Stands in for the weight of an entry that is already reported as malformed as a whole. */
const NOT_CHECKED = Symbol('not checked');

/** Checks a weight list (arms or factor levels): each finite, ≥ 0, representable, and summing to 1. */
function checkWeights(
  weights: readonly unknown[],
  pathOf: (i: number) => string,
  listPath: string,
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  let allNumbers = true;
  let sum = 0;
  weights.forEach((w, i) => {
    if (w === NOT_CHECKED) {
      allNumbers = false;
      return;
    }
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      problems.push({ path: pathOf(i), message: `must be a finite number (got ${String(w)})` });
      allNumbers = false;
      return;
    }
    sum += w;
    if (w < 0) problems.push({ path: pathOf(i), message: `must not be negative (got ${w})` });
    else if (w > 0 && w < 1 / BUCKETS) {
      problems.push({
        path: pathOf(i),
        message: `must be 0 or at least ${1 / BUCKETS} (traffic is split in 0.01 % buckets; got ${w})`,
      });
    }
  });
  if (allNumbers && weights.length > 0 && Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    problems.push({ path: listPath, message: `weights must sum to 1 (got ${sum})` });
  }
  return problems;
}

function checkArms(arms: unknown): DefinitionProblem[] {
  if (!Array.isArray(arms)) return [{ path: 'arms', message: 'must be an array' }];
  const problems: DefinitionProblem[] = [];
  if (arms.length < 2) problems.push({ path: 'arms', message: `needs at least 2 arms (got ${arms.length})` });
  const firstByName = new Map<string, number>();
  const weights: unknown[] = [];
  arms.forEach((arm: unknown, i) => {
    if (!isObject(arm)) {
      problems.push({ path: `arms[${i}]`, message: 'must be an object with name and weight' });
      weights.push(NOT_CHECKED);
      return;
    }
    if (!isNonEmptyString(arm.name)) {
      problems.push({ path: `arms[${i}].name`, message: 'must be a non-empty string' });
    } else if (firstByName.has(arm.name)) {
      problems.push({
        path: `arms[${i}].name`,
        message: `duplicate arm name "${arm.name}" (also arms[${firstByName.get(arm.name)}])`,
      });
    } else {
      firstByName.set(arm.name, i);
    }
    weights.push(arm.weight);
  });
  problems.push(...checkWeights(weights, (i) => `arms[${i}].weight`, 'arms'));
  return problems;
}

function checkFactors(factors: unknown): DefinitionProblem[] {
  if (!Array.isArray(factors)) return [{ path: 'factors', message: 'must be an array' }];
  const problems: DefinitionProblem[] = [];
  if (factors.length === 0) problems.push({ path: 'factors', message: 'needs at least 1 factor' });
  const firstByName = new Map<string, number>();
  let cellCount = 1;
  let levelsValid = true;
  factors.forEach((factor: unknown, f) => {
    const at = `factors[${f}]`;
    if (!isObject(factor)) {
      problems.push({ path: at, message: 'must be an object with name and levels' });
      levelsValid = false;
      return;
    }
    if (!isNonEmptyString(factor.name)) {
      problems.push({ path: `${at}.name`, message: 'must be a non-empty string' });
    } else if (firstByName.has(factor.name)) {
      problems.push({
        path: `${at}.name`,
        message: `duplicate factor name "${factor.name}" (also factors[${firstByName.get(factor.name)}])`,
      });
    } else {
      firstByName.set(factor.name, f);
    }
    const { levels, weights } = factor;
    if (!Array.isArray(levels)) {
      problems.push({ path: `${at}.levels`, message: 'must be an array' });
      levelsValid = false;
      return;
    }
    if (levels.length < 2) {
      problems.push({
        path: `${at}.levels`,
        message: `a factor needs at least 2 levels (got ${levels.length})`,
      });
    }
    cellCount *= Math.max(1, levels.length);
    const firstByLevel = new Map<string, number>();
    levels.forEach((level: unknown, l) => {
      if (!isNonEmptyString(level)) {
        problems.push({ path: `${at}.levels[${l}]`, message: 'must be a non-empty string' });
        levelsValid = false;
      } else if (firstByLevel.has(level)) {
        problems.push({
          path: `${at}.levels[${l}]`,
          message: `duplicate level "${level}" (also levels[${firstByLevel.get(level)}])`,
        });
        levelsValid = false;
      } else {
        firstByLevel.set(level, l);
      }
    });
    if (weights !== undefined) {
      if (!Array.isArray(weights)) {
        problems.push({ path: `${at}.weights`, message: 'must be an array' });
        levelsValid = false;
      } else if (weights.length !== levels.length) {
        problems.push({
          path: `${at}.weights`,
          message: `needs one weight per level (${levels.length}, got ${weights.length})`,
        });
        levelsValid = false;
      } else {
        const weightProblems = checkWeights(weights, (l) => `${at}.weights[${l}]`, `${at}.weights`);
        if (weightProblems.length > 0) levelsValid = false;
        problems.push(...weightProblems);
      }
    }
  });
  if (cellCount > BUCKETS) {
    problems.push({ path: 'factors', message: `${cellCount} cells cannot share ${BUCKETS} buckets` });
  } else if (levelsValid && problems.length === 0) {
    // Only meaningful once every factor is well formed: names that contain "=" or "|" could still collide.
    const cells = expandFactorial(factors as FactorDefinition[]);
    const seen = new Set<string>();
    for (const cell of cells) {
      if (seen.has(cell.name))
        problems.push({ path: 'factors', message: `two cells share the name "${cell.name}"` });
      seen.add(cell.name);
      if (cell.weight > 0 && cell.weight < 1 / BUCKETS) {
        problems.push({
          path: 'factors',
          message: `cell "${cell.name}" gets weight ${cell.weight}, below one bucket (${1 / BUCKETS})`,
        });
      }
    }
  }
  return problems;
}

function checkHoldout(holdout: unknown): DefinitionProblem[] {
  if (!isObject(holdout)) return [{ path: 'holdout', message: 'must be an object with a fraction' }];
  const problems: DefinitionProblem[] = [];
  const { fraction, key } = holdout;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    problems.push({
      path: 'holdout.fraction',
      message: `must be a number in [0, 1) (got ${String(fraction)})`,
    });
  }
  if (key !== undefined && !isNonEmptyString(key)) {
    problems.push({ path: 'holdout.key', message: 'must be a non-empty string when given' });
  }
  return problems;
}

/** Every problem with the definition; an empty array means it is valid. Accepts untrusted JSON. */
export function validateExperimentDefinition(definition: unknown): DefinitionProblem[] {
  if (!isObject(definition)) return [{ path: '', message: 'definition must be an object' }];
  const problems: DefinitionProblem[] = [];
  if (!isNonEmptyString(definition.key))
    problems.push({ path: 'key', message: 'must be a non-empty string' });
  const hasArms = definition.arms !== undefined;
  const hasFactors = definition.factors !== undefined;
  if (hasArms && hasFactors) problems.push({ path: '', message: 'define either arms or factors, not both' });
  if (!hasArms && !hasFactors)
    problems.push({ path: '', message: 'define arms (A/B/n) or factors (multivariate)' });
  if (hasArms) problems.push(...checkArms(definition.arms));
  if (hasFactors) problems.push(...checkFactors(definition.factors));
  if (definition.holdout !== undefined) problems.push(...checkHoldout(definition.holdout));
  return problems;
}
