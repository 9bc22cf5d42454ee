import {
  CONTEXT_FACT,
  factType,
  FACT_NAMES,
  FactName,
  FactType,
  isFactName,
  isOperatorName,
  LIMITS,
  OperatorName,
  OPERATORS_BY_TYPE,
  parsePath,
  SCORES_FIELDS,
  STATS_FIELDS,
} from './facts';
import { parseIsoInstant } from './iso-time';
import {
  checkText,
  isFiniteNumber,
  isPlainObject,
  keyPath,
  MAX_VALUE_LENGTH,
  Problems,
  scalarProblem,
  textProblem,
} from './value-checks';

const LEAF_KEYS = new Set(['fact', 'path', 'operator', 'value', 'params', 'name']);
const EVENT_PARAM_KEYS = new Set(['event', 'where', 'withinDays', 'from', 'to', 'aggregate', 'property']);

/**
 * Every problem of one fact condition; `path` is where it sits in the definition, e.g. `rules.all[2]`.
 * `allowContext`: the definition belongs to a journey branch, which may read the run's `context` fact.
 */
export function checkLeaf(
  leaf: Record<string, unknown>,
  path: string,
  problems: Problems,
  allowContext = false,
): void {
  for (const key of Object.keys(leaf))
    if (!LEAF_KEYS.has(key)) problems.push({ path: keyPath(path, key), message: 'unknown key' });
  if (leaf.name !== undefined) checkText(leaf.name, `${path}.name`, problems, LIMITS.textLength);

  const fact = leaf.fact;
  let type: FactType | undefined;
  if (!isFactName(fact, allowContext)) {
    const names = allowContext ? [...FACT_NAMES, CONTEXT_FACT] : FACT_NAMES;
    problems.push({
      path: `${path}.fact`,
      message: `${fact === undefined ? 'is required' : 'unknown fact'}; one of ${names.join(', ')}`,
    });
  } else if (checkFactPath(fact, leaf.path, `${path}.path`, problems)) {
    type = factType(fact, leaf.path as string | undefined);
  }
  if (isFactName(fact, allowContext)) checkParams(fact, leaf.params, `${path}.params`, problems);

  const operator = leaf.operator;
  if (!isOperatorName(operator)) {
    problems.push({
      path: `${path}.operator`,
      message: operator === undefined ? 'is required' : 'unknown operator',
    });
    return;
  }
  if (type === undefined) return;
  if (!OPERATORS_BY_TYPE[type].includes(operator)) {
    problems.push({
      path: `${path}.operator`,
      message: `${operator} does not fit a ${type} fact; use one of ${OPERATORS_BY_TYPE[type].join(', ')}`,
    });
    return;
  }
  if (!Object.hasOwn(leaf, 'value')) problems.push({ path: `${path}.value`, message: 'is required' });
  else checkValue(type, operator, leaf.value, `${path}.value`, problems);
}

function checkFactPath(fact: FactName, value: unknown, path: string, problems: Problems): boolean {
  const before = problems.length;
  if (fact === 'segments' || fact === 'events') {
    if (value !== undefined) problems.push({ path, message: `is not allowed for the ${fact} fact` });
    return problems.length === before;
  }
  if (typeof value !== 'string') {
    problems.push({ path, message: `is required for the ${fact} fact, like $.name` });
    return false;
  }
  const keys = value.length <= LIMITS.textLength ? parsePath(value) : undefined;
  if (!keys) {
    problems.push({ path, message: 'must be a path like $.a.b (letters, digits, _ and - only)' });
  } else if (fact === 'traits' || fact === CONTEXT_FACT) {
    if (keys.length > LIMITS.pathKeys)
      problems.push({ path, message: `must have at most ${LIMITS.pathKeys} keys` });
  } else {
    const fields = fact === 'stats' ? STATS_FIELDS : SCORES_FIELDS;
    if (keys.length !== 1 || !fields.has(keys[0]))
      problems.push({ path, message: `unknown ${fact} field; one of ${[...fields.keys()].join(', ')}` });
  }
  return problems.length === before;
}

function checkParams(fact: FactName, params: unknown, path: string, problems: Problems): void {
  if (fact !== 'events') {
    if (params !== undefined) problems.push({ path, message: `is not allowed for the ${fact} fact` });
    return;
  }
  if (!isPlainObject(params)) {
    problems.push({
      path,
      message: 'is required for the events fact: { event, where?, withinDays? | from?/to? }',
    });
    return;
  }
  for (const key of Object.keys(params))
    if (!EVENT_PARAM_KEYS.has(key)) problems.push({ path: keyPath(path, key), message: 'unknown key' });
  checkText(params.event, `${path}.event`, problems, LIMITS.textLength);

  if (params.where !== undefined) {
    if (!isPlainObject(params.where)) {
      problems.push({ path: `${path}.where`, message: 'must be an object of property name → exact value' });
    } else {
      const entries = Object.entries(params.where);
      if (entries.length === 0 || entries.length > LIMITS.whereKeys)
        problems.push({ path: `${path}.where`, message: `must have 1 to ${LIMITS.whereKeys} properties` });
      for (const [key, value] of entries) {
        const at = keyPath(`${path}.where`, key);
        const keyProblem =
          key === '' ? 'property names must not be empty' : textProblem(key, LIMITS.textLength);
        if (keyProblem) problems.push({ path: at, message: `property name ${keyProblem}` });
        const problem = scalarProblem(value);
        if (problem) problems.push({ path: at, message: problem });
      }
    }
  }

  if (params.withinDays !== undefined) {
    checkDays(params.withinDays, `${path}.withinDays`, problems);
    if (params.from !== undefined || params.to !== undefined)
      problems.push({ path: `${path}.withinDays`, message: 'cannot be combined with from/to' });
  }
  const from = params.from === undefined ? undefined : checkIso(params.from, `${path}.from`, problems);
  const to = params.to === undefined ? undefined : checkIso(params.to, `${path}.to`, problems);
  if (from !== undefined && to !== undefined && from >= to)
    problems.push({ path: `${path}.to`, message: 'must be after from' });

  const aggregate = params.aggregate ?? 'count';
  if (aggregate !== 'count' && aggregate !== 'sum') {
    problems.push({ path: `${path}.aggregate`, message: 'must be count or sum' });
  } else if (aggregate === 'sum') {
    if (params.property === undefined)
      problems.push({ path: `${path}.property`, message: 'is required when aggregate is sum' });
    else checkText(params.property, `${path}.property`, problems, LIMITS.textLength);
  } else if (params.property !== undefined) {
    problems.push({ path: `${path}.property`, message: 'is only allowed when aggregate is sum' });
  }
}

type ValueKind = 'number' | 'string' | 'scalar' | 'segmentKey';

const KIND_BY_TYPE: Record<FactType, ValueKind> = {
  number: 'number',
  eventAggregate: 'number',
  string: 'string',
  json: 'scalar',
  segmentKeys: 'segmentKey',
  timestamp: 'string', // no operator of a timestamp fact takes a plain scalar
};

function checkValue(
  type: FactType,
  operator: OperatorName,
  value: unknown,
  path: string,
  problems: Problems,
): void {
  const kind = KIND_BY_TYPE[type];
  switch (operator) {
    case 'equal':
    case 'notEqual':
    case 'contains':
    case 'doesNotContain':
      checkKind(kind, value, path, problems);
      return;
    case 'in':
    case 'notIn':
      if (!Array.isArray(value) || value.length === 0 || value.length > LIMITS.listLength) {
        problems.push({ path, message: `must be a list of 1 to ${LIMITS.listLength} values` });
        return;
      }
      value.forEach((item, i) => checkKind(kind, item, `${path}[${i}]`, problems));
      return;
    case 'lessThan':
    case 'lessThanInclusive':
    case 'greaterThan':
    case 'greaterThanInclusive':
      checkKind('number', value, path, problems);
      return;
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) {
        problems.push({ path, message: 'must be [low, high]' });
        return;
      }
      const bounds =
        type === 'timestamp'
          ? value.map((v, i) => checkIso(v, `${path}[${i}]`, problems))
          : value.map((v, i) =>
              checkKind('number', v, `${path}[${i}]`, problems) ? (v as number) : undefined,
            );
      if (bounds[0] !== undefined && bounds[1] !== undefined && bounds[0] > bounds[1])
        problems.push({ path, message: 'low must not be greater than high' });
      return;
    }
    case 'exists':
      if (typeof value !== 'boolean') problems.push({ path, message: 'must be true or false' });
      return;
    case 'withinLastDays':
      return checkDays(value, path, problems);
    case 'before':
    case 'after':
      checkIso(value, path, problems);
      return;
  }
}

function checkKind(kind: ValueKind, value: unknown, path: string, problems: Problems): boolean {
  let problem: string | undefined;
  if (kind === 'number') problem = isFiniteNumber(value) ? undefined : 'must be a finite number';
  else if (kind === 'scalar') problem = scalarProblem(value);
  else if (typeof value !== 'string' || value === '') problem = 'must be a non-empty string';
  else problem = textProblem(value, kind === 'segmentKey' ? LIMITS.textLength : MAX_VALUE_LENGTH);
  if (problem) problems.push({ path, message: problem });
  return problem === undefined;
}

function checkDays(value: unknown, path: string, problems: Problems): void {
  if (!isFiniteNumber(value) || value <= 0 || value > LIMITS.maxDays)
    problems.push({ path, message: `must be a number of days > 0 and ≤ ${LIMITS.maxDays}` });
}

function checkIso(value: unknown, path: string, problems: Problems): number | undefined {
  const ms = typeof value === 'string' ? parseIsoInstant(value) : undefined;
  if (ms === undefined)
    problems.push({
      path,
      message: 'must be an ISO date (2026-01-31) or date-time with offset (…T10:00:00Z)',
    });
  return ms;
}
