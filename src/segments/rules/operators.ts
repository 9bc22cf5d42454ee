import { OperatorName } from './facts';

/**
 * The JavaScript side of every operator, registered on json-rules-engine in place of its built-ins, whose loose
 * typing SQL cannot reproduce (the built-in greaterThan accepts the string "30"; `in` uses indexOf). Rules shared
 * with the SQL compiler:
 * - a comparison matches only a fact value of the type it compares (numbers with numbers, strings with strings);
 * - a missing value (undefined or JSON null) matches no comparison;
 * - notEqual, notIn and doesNotContain are the exact negation of equal, in and contains, so they DO match a missing
 *   value or one of another type — `{ not: { …equal… } }` and `notEqual` always agree.
 *
 * Values arrive as the engine condition holds them (see rule-engine.ts): timestamp facts are Dates, timestamp bounds
 * epoch milliseconds, and withinLastDays a resolved half-open window.
 */
export type JsOperator = (factValue: unknown, value: never) => boolean;

export interface MsWindow {
  fromMs: number;
  toMs: number;
}

export function sameScalar(a: unknown, b: unknown): boolean {
  return (
    (typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') &&
    typeof a === typeof b &&
    a === b
  );
}

const isNumber = (a: unknown): a is number => typeof a === 'number';
const msOf = (a: unknown): number | undefined => (a instanceof Date ? a.getTime() : undefined);
const contains = (a: unknown, b: unknown) => Array.isArray(a) && a.some((item) => sameScalar(item, b));
const isIn = (a: unknown, list: readonly unknown[]) => list.some((item) => sameScalar(a, item));

function between(a: unknown, [low, high]: readonly [number, number]): boolean {
  const x = isNumber(a) ? a : msOf(a);
  return x !== undefined && low <= x && x <= high;
}

export const JS_OPERATORS: Record<OperatorName, JsOperator> = {
  equal: (a, b: unknown) => sameScalar(a, b),
  notEqual: (a, b: unknown) => !sameScalar(a, b),
  in: (a, list: readonly unknown[]) => isIn(a, list),
  notIn: (a, list: readonly unknown[]) => !isIn(a, list),
  lessThan: (a, b: number) => isNumber(a) && a < b,
  lessThanInclusive: (a, b: number) => isNumber(a) && a <= b,
  greaterThan: (a, b: number) => isNumber(a) && a > b,
  greaterThanInclusive: (a, b: number) => isNumber(a) && a >= b,
  between,
  contains: (a, b: unknown) => contains(a, b),
  doesNotContain: (a, b: unknown) => !contains(a, b),
  exists: (a, b: boolean) => (a !== undefined && a !== null) === b,
  withinLastDays: (a, w: MsWindow) => {
    const t = msOf(a);
    return t !== undefined && t >= w.fromMs && t < w.toMs;
  },
  before: (a, b: number) => {
    const t = msOf(a);
    return t !== undefined && t < b;
  },
  after: (a, b: number) => {
    const t = msOf(a);
    return t !== undefined && t > b;
  },
};
