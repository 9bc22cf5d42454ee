/**
 * Conditions of dynamic content block variants: their shape, their validation, and the small evaluator interface
 * the renderer depends on (json-rules-engine today, the segments module's evaluator later). Pure: no Nest, no
 * database.
 *
 * A condition is either `{ segment: "<key>" }` (membership in the customer's segments) or a json-rules-engine
 * condition over the customer's facts: `{ all | any: [...] }`, `{ not: ... }`, or a single
 * `{ fact, path?, operator, value }`. `{ segment }` may also appear nested inside `all` / `any` / `not`.
 */

/** The facts a condition may read. `context` holds the trigger data: `{ event, journey, variant }`. */
export const CONDITION_FACTS = ['traits', 'stats', 'scores', 'segments', 'context'] as const;
export type ConditionFact = (typeof CONDITION_FACTS)[number];

/** json-rules-engine's built-in operators and operator decorators (`not:equal`, `someFact:greaterThan`, …). */
export const BUILT_IN_OPERATORS = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;
export const OPERATOR_DECORATORS = [
  'someFact',
  'someValue',
  'everyFact',
  'everyValue',
  'swap',
  'not',
] as const;

export interface SegmentCondition {
  segment: string;
}

export interface FactCondition {
  fact: ConditionFact;
  operator: string;
  value: unknown;
  path?: string;
}

export type NestedCondition = SegmentCondition | FactCondition | RulesCondition;
export type RulesCondition =
  { all: NestedCondition[] } | { any: NestedCondition[] } | { not: NestedCondition };

export type BlockCondition = NestedCondition;

export interface CustomerFacts {
  traits: Record<string, unknown>;
  stats: Record<string, unknown>;
  scores: Record<string, unknown>;
  segments: string[];
  context: Record<string, unknown>;
}

/** Whether a condition held, and why: enough for a marketer to see which fact decided it. */
export interface ConditionOutcome {
  matched: boolean;
  /**
   * `{ segment, member, segments }` for a segment condition; for a rules condition the condition tree with each
   * evaluated leaf's `factResult` and `result` (json-rules-engine's rule result).
   */
  detail: unknown;
}

/** What the renderer needs from a condition evaluator; swappable for the segments module's evaluator. */
export interface ConditionEvaluator {
  evaluate(condition: BlockCondition, facts: CustomerFacts): Promise<ConditionOutcome>;
}

export interface ConditionProblem {
  path: string;
  message: string;
}

export const MAX_CONDITION_DEPTH = 10;
export const MAX_CONDITION_ITEMS = 50;

const LEAF_KEYS = new Set(['fact', 'operator', 'value', 'path']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function isSegmentCondition(c: unknown): c is SegmentCondition {
  return isObject(c) && 'segment' in c;
}

/** Every problem in a condition, each with a path below `at` (e.g. `blocks.hero[0].when.all[1].operator`). */
export function validateCondition(condition: unknown, at: string, depth = 0): ConditionProblem[] {
  if (!isObject(condition)) return [{ path: at, message: 'must be a condition object' }];
  if (depth >= MAX_CONDITION_DEPTH)
    return [{ path: at, message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep` }];
  const keys = Object.keys(condition);

  if ('segment' in condition) {
    const problems: ConditionProblem[] = [];
    if (typeof condition.segment !== 'string' || !condition.segment.trim())
      problems.push({ path: `${at}.segment`, message: 'must be a segment key' });
    for (const k of keys.filter((k) => k !== 'segment'))
      problems.push({ path: `${at}.${k}`, message: 'is not allowed next to `segment`' });
    return problems;
  }

  for (const group of ['all', 'any'] as const) {
    if (!(group in condition)) continue;
    const extra = keys.filter((k) => k !== group);
    if (extra.length)
      return extra.map((k) => ({ path: `${at}.${k}`, message: `is not allowed next to \`${group}\`` }));
    const items = condition[group];
    if (!Array.isArray(items) || items.length === 0)
      return [{ path: `${at}.${group}`, message: 'must be a non-empty array of conditions' }];
    if (items.length > MAX_CONDITION_ITEMS)
      return [{ path: `${at}.${group}`, message: `has more than ${MAX_CONDITION_ITEMS} conditions` }];
    return items.flatMap((item, i) => validateCondition(item, `${at}.${group}[${i}]`, depth + 1));
  }

  if ('not' in condition) {
    const extra = keys.filter((k) => k !== 'not');
    if (extra.length)
      return extra.map((k) => ({ path: `${at}.${k}`, message: 'is not allowed next to `not`' }));
    return validateCondition(condition.not, `${at}.not`, depth + 1);
  }

  if (!('fact' in condition))
    return [
      {
        path: at,
        message: 'must have `segment`, `all`, `any`, `not`, or `fact` with `operator` and `value`',
      },
    ];
  return validateLeaf(condition, at);
}

function validateLeaf(c: Record<string, unknown>, at: string): ConditionProblem[] {
  const problems: ConditionProblem[] = [];
  for (const k of Object.keys(c).filter((k) => !LEAF_KEYS.has(k)))
    problems.push({ path: `${at}.${k}`, message: 'is not allowed in a fact condition' });
  if (!CONDITION_FACTS.includes(c.fact as ConditionFact))
    problems.push({ path: `${at}.fact`, message: `must be one of ${CONDITION_FACTS.join(', ')}` });
  const operatorProblem = checkOperator(c.operator);
  if (operatorProblem) problems.push({ path: `${at}.operator`, message: operatorProblem });
  if (!('value' in c)) problems.push({ path: `${at}.value`, message: 'is required' });
  else if (isObject(c.value) && 'fact' in c.value && !CONDITION_FACTS.includes(c.value.fact as ConditionFact))
    problems.push({ path: `${at}.value.fact`, message: `must be one of ${CONDITION_FACTS.join(', ')}` });
  if (c.path !== undefined && (typeof c.path !== 'string' || !c.path.startsWith('$')))
    problems.push({
      path: `${at}.path`,
      message: 'must be a JSONPath starting with `$`, e.g. `$.ordersCount`',
    });
  return problems;
}

function checkOperator(operator: unknown): string | undefined {
  const allowed = `one of ${BUILT_IN_OPERATORS.join(', ')}, optionally prefixed by ${OPERATOR_DECORATORS.join(
    ', ',
  )} and ":"`;
  if (typeof operator !== 'string') return `must be ${allowed}`;
  const parts = operator.split(':');
  const base = parts.pop()!;
  const ok =
    (BUILT_IN_OPERATORS as readonly string[]).includes(base) &&
    parts.every((p) => (OPERATOR_DECORATORS as readonly string[]).includes(p));
  return ok ? undefined : `"${operator}" is not ${allowed}`;
}
