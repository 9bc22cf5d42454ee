import type { PropertyCondition } from './definition';
import { resolvePath } from '../../segments/rules/json-path';

/** Every operator a PropertyCondition may use, and the ones that compare numbers. */
export const PROPERTY_OPERATORS = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'contains',
  'exists',
] as const satisfies readonly PropertyCondition['operator'][];

export const NUMBER_OPERATORS: readonly PropertyCondition['operator'][] = [
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
];

/**
 * Whether an event's properties satisfy every condition (none: true). Types are strict as in rule segments: `"30"`
 * is not 30 and not greater than 5; a missing value (absent or null) matches no comparison, while `notEqual` and
 * `notIn` are exact negations and so do match it. Unlike segments' `contains`, a string contains a substring, since
 * event properties (URLs, product names) are often strings.
 */
export function matchesProperties(
  where: PropertyCondition[] | undefined,
  properties: Record<string, unknown>,
): boolean {
  return (where ?? []).every((condition) => matches(condition, resolvePath(properties, condition.path)));
}

function matches({ operator, value }: PropertyCondition, actual: unknown): boolean {
  switch (operator) {
    case 'equal':
      return sameScalar(actual, value);
    case 'notEqual':
      return !sameScalar(actual, value);
    case 'in':
      return Array.isArray(value) && value.some((item) => sameScalar(actual, item));
    case 'notIn':
      return !(Array.isArray(value) && value.some((item) => sameScalar(actual, item)));
    case 'lessThan':
      return compare(actual, value, (a, b) => a < b);
    case 'lessThanInclusive':
      return compare(actual, value, (a, b) => a <= b);
    case 'greaterThan':
      return compare(actual, value, (a, b) => a > b);
    case 'greaterThanInclusive':
      return compare(actual, value, (a, b) => a >= b);
    case 'contains':
      if (typeof actual === 'string') return typeof value === 'string' && actual.includes(value);
      return Array.isArray(actual) && actual.some((item) => sameScalar(item, value));
    case 'exists':
      // `value: false` asks for absence; a bare `exists` (no value) asks for presence.
      return (actual !== undefined && actual !== null) === (value !== false);
  }
}

function sameScalar(a: unknown, b: unknown): boolean {
  return (
    (typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') &&
    typeof a === typeof b &&
    a === b
  );
}

const compare = (a: unknown, b: unknown, test: (a: number, b: number) => boolean) =>
  typeof a === 'number' && typeof b === 'number' && test(a, b);
