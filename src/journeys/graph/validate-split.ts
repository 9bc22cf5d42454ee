import {
  checkKeys,
  checkNodeRef,
  checkObject,
  checkText200,
  isPlainObject,
  keyPath,
  NODE_BASE_KEYS,
  Problems,
} from './field-checks';
import type { KnownReferences } from './known-references';

const MAX_VARIANTS = 20;
/** Weights are decimals people type (0.1 + 0.2): "sums to 1" tolerates the doubles' rounding, nothing more. */
const WEIGHT_TOLERANCE = 1e-9;

/** A split routes by an experiment's assignment (every arm, and its holdout iff it has one) or by weighted variants. */
export function checkSplit(
  node: Record<string, unknown>,
  path: string,
  refs: KnownReferences,
  problems: Problems,
): void {
  checkKeys(node, [...NODE_BASE_KEYS, 'experiment', 'arms', 'holdout', 'variants'], path, problems);
  const byExperiment = node.experiment !== undefined;
  if (byExperiment === (node.variants !== undefined)) {
    problems.push({
      path,
      message: byExperiment ? 'has both experiment and variants; use one' : 'needs an experiment or variants',
    });
    if (byExperiment) return;
  }
  if (byExperiment) checkExperimentSplit(node, path, refs, problems);
  else {
    for (const key of ['arms', 'holdout'])
      if (node[key] !== undefined)
        problems.push({ path: `${path}.${key}`, message: 'is only allowed with experiment' });
    if (node.variants !== undefined) checkVariants(node.variants, `${path}.variants`, problems);
  }
}

function checkExperimentSplit(
  node: Record<string, unknown>,
  path: string,
  refs: KnownReferences,
  problems: Problems,
): void {
  const key = node.experiment;
  let experiment: { arms: string[]; hasHoldout: boolean } | undefined;
  if (checkText200(key, `${path}.experiment`, problems)) {
    experiment = refs.experiments.get(key as string);
    if (!experiment)
      problems.push({ path: `${path}.experiment`, message: `unknown experiment "${key as string}"` });
  }

  if (checkObject(node.arms, `${path}.arms`, problems, 'an object of arm name → node id')) {
    for (const [arm, target] of Object.entries(node.arms)) {
      const at = keyPath(`${path}.arms`, arm);
      if (experiment && !experiment.arms.includes(arm))
        problems.push({ path: at, message: `experiment "${key as string}" has no arm "${arm}"` });
      else checkNodeRef(target, at, problems);
    }
    const missing = experiment
      ? experiment.arms.filter((arm) => !Object.hasOwn(node.arms as object, arm))
      : [];
    if (missing.length > 0)
      problems.push({ path: `${path}.arms`, message: `must route every arm; missing ${missing.join(', ')}` });
  }

  if (node.holdout !== undefined) {
    if (experiment && !experiment.hasHoldout)
      problems.push({ path: `${path}.holdout`, message: `experiment "${key as string}" has no holdout` });
    else checkNodeRef(node.holdout, `${path}.holdout`, problems);
  } else if (experiment?.hasHoldout) {
    problems.push({
      path: `${path}.holdout`,
      message: `is required: experiment "${key as string}" has a holdout`,
    });
  }
}

function checkVariants(variants: unknown, path: string, problems: Problems): void {
  if (!Array.isArray(variants) || variants.length < 2 || variants.length > MAX_VARIANTS) {
    problems.push({ path, message: `must be a list of 2 to ${MAX_VARIANTS} variants` });
    return;
  }
  const names = new Map<string, number>();
  let sum = 0;
  let weightsValid = true;
  variants.forEach((variant, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(variant)) {
      problems.push({ path: at, message: 'must be a variant { name, weight, next }' });
      weightsValid = false;
      return;
    }
    checkKeys(variant, ['name', 'weight', 'next'], at, problems);
    if (checkText200(variant.name, `${at}.name`, problems)) {
      const first = names.get(variant.name as string);
      if (first !== undefined)
        problems.push({ path: `${at}.name`, message: `duplicate variant name (also ${path}[${first}])` });
      else names.set(variant.name as string, i);
    }
    const weight = variant.weight;
    if (typeof weight !== 'number' || !(weight > 0 && weight <= 1)) {
      problems.push({ path: `${at}.weight`, message: 'must be a number > 0 and ≤ 1' });
      weightsValid = false;
    } else sum += weight;
    checkNodeRef(variant.next, `${at}.next`, problems);
  });
  if (weightsValid && Math.abs(sum - 1) > WEIGHT_TOLERANCE)
    problems.push({ path, message: `weights must sum to 1 (they sum to ${sum})` });
}
