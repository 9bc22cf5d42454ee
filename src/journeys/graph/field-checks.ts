import type { FieldProblem } from '../../common/errors/app.exception';
import { parsePath } from '../../segments/rules/facts';
import { checkText, isPlainObject, keyPath, scalarProblem } from '../../segments/rules/value-checks';
import { parseDuration, parseLocalTime } from './duration';
import { NUMBER_OPERATORS, PROPERTY_OPERATORS } from './property-match';

export type Problems = FieldProblem[];
export { isPlainObject, keyPath };

/** Node ids appear in paths, timelines and URLs: keep them short and plain. */
export const NODE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Keys every node may have, whatever its type. */
export const NODE_BASE_KEYS = ['id', 'name', 'type'];
export const TEXT_LENGTH = 200;
const MAX_CONDITIONS = 20;
const MAX_LIST = 1000;

/** Pushes `unknown key` for every key outside `allowed`: a misspelt optional field must not be silently ignored. */
export function checkKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  problems: Problems,
) {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) problems.push({ path: keyPath(path, key), message: 'unknown key' });
}

/** A plain object, or a problem at `path`; `what` names the expected shape in the message. */
export function checkObject(
  value: unknown,
  path: string,
  problems: Problems,
  what = 'an object',
): value is Record<string, unknown> {
  if (isPlainObject(value)) return true;
  problems.push({ path, message: value === undefined ? 'is required' : `must be ${what}` });
  return false;
}

export function checkText200(value: unknown, path: string, problems: Problems): boolean {
  return checkText(value, path, problems, TEXT_LENGTH);
}

export function checkOptionalText(value: unknown, path: string, problems: Problems): void {
  if (value !== undefined) checkText200(value, path, problems);
}

/** A reference to a node (the graph check then says whether it exists). */
export function checkNodeRef(value: unknown, path: string, problems: Problems): boolean {
  if (value === undefined) problems.push({ path, message: 'is required: the id of a node' });
  else if (typeof value !== 'string' || !NODE_ID_RE.test(value))
    problems.push({ path, message: 'must be a node id ([A-Za-z0-9_-], 1 to 64 characters)' });
  else return true;
  return false;
}

/** A duration; `positive`: `0s` is refused too (a timeout, window or cooldown of nothing is a mistake). */
export function checkDuration(value: unknown, path: string, problems: Problems, positive: boolean): void {
  if (value === undefined) {
    problems.push({ path, message: 'is required' });
    return;
  }
  const ms = parseDuration(value);
  if (ms === null)
    problems.push({ path, message: 'must be a duration like 30m, 2h, 3d, 1w or 1d12h, at most 366 days' });
  else if (positive && ms === 0) problems.push({ path, message: 'must be longer than 0s' });
}

export function checkLocalTime(value: unknown, path: string, problems: Problems): void {
  if (parseLocalTime(value) === null)
    problems.push({
      path,
      message: value === undefined ? 'is required' : 'must be a time HH:MM (00:00 to 23:59)',
    });
}

export function checkWeekdays(value: unknown, path: string, problems: Problems): void {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path, message: 'must be a non-empty list of ISO weekdays (1 = Monday … 7 = Sunday)' });
    return;
  }
  value.forEach((day, i) => {
    if (!Number.isInteger(day) || day < 1 || day > 7)
      problems.push({ path: `${path}[${i}]`, message: 'must be an ISO weekday 1 to 7' });
    else if (value.indexOf(day) !== i) problems.push({ path: `${path}[${i}]`, message: 'is listed twice' });
  });
}

export function checkPositiveInteger(value: unknown, path: string, problems: Problems): void {
  if (!Number.isSafeInteger(value) || (value as number) <= 0)
    problems.push({ path, message: value === undefined ? 'is required' : 'must be a positive integer' });
}

/** A `$.a.b` path as rule segments' json-path reads it. */
export function checkPropertyPath(value: unknown, path: string, problems: Problems): void {
  if (typeof value !== 'string' || value.length > TEXT_LENGTH || !parsePath(value))
    problems.push({
      path,
      message:
        value === undefined ? 'is required' : 'must be a path like $.a.b (letters, digits, _ and - only)',
    });
}

/** A PropertyCondition list (`where`) of an event trigger, wait or goal. */
export function checkPropertyConditions(value: unknown, path: string, problems: Problems): void {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CONDITIONS) {
    problems.push({ path, message: `must be a list of 1 to ${MAX_CONDITIONS} conditions` });
    return;
  }
  value.forEach((condition, i) => checkPropertyCondition(condition, `${path}[${i}]`, problems));
}

function checkPropertyCondition(condition: unknown, path: string, problems: Problems): void {
  if (!checkObject(condition, path, problems, 'a condition { path, operator, value }')) return;
  checkKeys(condition, ['path', 'operator', 'value'], path, problems);
  checkPropertyPath(condition.path, `${path}.path`, problems);
  const operator = condition.operator;
  if (!(PROPERTY_OPERATORS as readonly unknown[]).includes(operator)) {
    problems.push({
      path: `${path}.operator`,
      message: `${operator === undefined ? 'is required' : 'unknown operator'}; one of ${PROPERTY_OPERATORS.join(', ')}`,
    });
    return;
  }
  const at = `${path}.value`;
  const value = condition.value;
  if (operator === 'exists') {
    if (value !== undefined && typeof value !== 'boolean')
      problems.push({ path: at, message: 'must be true or false' });
    return;
  }
  if (!Object.hasOwn(condition, 'value')) {
    problems.push({ path: at, message: `is required for ${operator as string}` });
  } else if (operator === 'in' || operator === 'notIn') {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST)
      problems.push({ path: at, message: `must be a list of 1 to ${MAX_LIST} values` });
    else value.forEach((item, i) => scalar(item, `${at}[${i}]`, problems));
  } else if ((NUMBER_OPERATORS as readonly unknown[]).includes(operator)) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      problems.push({ path: at, message: 'must be a finite number' });
  } else {
    scalar(value, at, problems);
  }
}

function scalar(value: unknown, path: string, problems: Problems): void {
  const problem = scalarProblem(value);
  if (problem) problems.push({ path, message: problem });
}
