import type { FieldProblem } from '../../common/errors/app.exception';
import { InvalidDefinitionError, RuleDefinition } from './definition';
import { LIMITS } from './facts';
import { ReferenceOptions, referenceProblems } from './segment-references';
import { checkLeaf } from './validate-leaf';
import { checkText, isPlainObject, keyPath, Problems } from './value-checks';

export interface StructureOptions {
  /** Accept the `context` fact: journeys' branch conditions only (segments have no run context, SQL no column). */
  allowContext?: boolean;
}

export interface ValidateOptions extends ReferenceOptions, StructureOptions {
  /** Prefix of every problem path; `rules` for a segment, e.g. `nodes[0].branches[1].when` elsewhere. */
  root?: string;
}

/**
 * Every problem of a definition, each with its path (`rules.all[2].operator`): structure, facts, paths, operators,
 * values and params, limits, unknown segments and cycles of segments. An empty list means it is valid.
 */
export function validateDefinition(rules: unknown, options: ValidateOptions): FieldProblem[] {
  const root = options.root ?? 'rules';
  const problems = structureProblems(rules, root, options);
  problems.push(...referenceProblems(rules, options, root));
  return problems;
}

/** All problems except those about other segments: what the evaluators need to run a definition safely. */
export function structureProblems(
  rules: unknown,
  root = 'rules',
  options: StructureOptions = {},
): FieldProblem[] {
  const problems: Problems = [];
  const state: WalkState = { leaves: 0, allowContext: options.allowContext === true };
  const leafAtTop =
    isPlainObject(rules) && !BOOLEAN_KEYS.some((k) => Object.hasOwn(rules, k)) && isLeafLike(rules);
  if (leafAtTop) problems.push({ path: root, message: 'must be an all, any or not condition at the top' });
  checkNode(rules, root, 0, state, problems);
  if (state.leaves > LIMITS.leaves)
    problems.push({
      path: root,
      message: `has ${state.leaves} conditions; at most ${LIMITS.leaves} are allowed`,
    });
  return problems;
}

/**
 * Throws InvalidDefinitionError unless the structure is valid; compilers and evaluators call it first. The SQL
 * compiler never passes `allowContext`, so a `context` condition can never reach it.
 */
export function assertValidStructure(
  rules: unknown,
  options: StructureOptions = {},
): asserts rules is RuleDefinition {
  const problems = structureProblems(rules, 'rules', options);
  if (problems.length > 0) throw new InvalidDefinitionError(problems);
}

const BOOLEAN_KEYS = ['all', 'any', 'not'] as const;

interface WalkState {
  leaves: number;
  allowContext: boolean;
}

const isLeafLike = (node: Record<string, unknown>) =>
  Object.hasOwn(node, 'fact') || Object.hasOwn(node, 'operator');

function checkNode(node: unknown, path: string, depth: number, state: WalkState, problems: Problems): void {
  if (!isPlainObject(node)) {
    problems.push({ path, message: 'must be a condition object' });
    return;
  }
  const booleans = BOOLEAN_KEYS.filter((k) => Object.hasOwn(node, k));
  if (booleans.length === 0) {
    if (isLeafLike(node)) {
      state.leaves++;
      checkLeaf(node, path, problems, state.allowContext);
    } else {
      problems.push({ path, message: 'must be an all, any or not condition, or a fact condition' });
    }
    return;
  }
  if (booleans.length > 1) {
    problems.push({ path, message: `must have exactly one of all, any, not (has ${booleans.join(', ')})` });
    return;
  }
  // Stop descending: this bounds the recursion on hostile input as well as the generated SQL.
  if (depth + 1 > LIMITS.depth) {
    problems.push({ path, message: `nesting deeper than ${LIMITS.depth} levels` });
    return;
  }
  const op = booleans[0];
  for (const key of Object.keys(node))
    if (key !== op && key !== 'name') problems.push({ path: keyPath(path, key), message: 'unknown key' });
  if (node.name !== undefined) checkText(node.name, `${path}.name`, problems, LIMITS.textLength);

  const children = node[op];
  if (op === 'not') {
    if (Array.isArray(children))
      problems.push({ path: `${path}.not`, message: 'must be one condition, not a list' });
    else checkNode(children, `${path}.not`, depth + 1, state, problems);
  } else if (!Array.isArray(children) || children.length === 0) {
    // json-rules-engine treats an empty `any` as true; SQL would say false: refuse rather than pick one.
    problems.push({ path: `${path}.${op}`, message: 'must be a non-empty list of conditions' });
  } else {
    children.forEach((child, i) => checkNode(child, `${path}.${op}[${i}]`, depth + 1, state, problems));
  }
}
