import type { FieldProblem } from '../../common/errors/app.exception';
import { storableTextProblem } from '../../common/text/storable-text';
import { Scalar } from './definition';

export type Problems = FieldProblem[];

/** Longest string value a condition may compare with (trait values such as URLs can be long). */
export const MAX_VALUE_LENGTH = 1000;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `rules.all[0]` + `operator` → `rules.all[0].operator`; odd keys are quoted so the path stays readable. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Why a string cannot be compared in both evaluators, or undefined when it can. PostgreSQL text and jsonb cannot
 * hold NUL, and a lone surrogate becomes U+FFFD on its way to the server, so JavaScript would compare another string.
 */
export function textProblem(value: string, maxLength: number): string | undefined {
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  return storableTextProblem(value);
}

/** A non-empty, storable string of at most maxLength characters; pushes a problem otherwise. */
export function checkText(value: unknown, path: string, problems: Problems, maxLength: number): boolean {
  if (typeof value !== 'string' || value === '') {
    problems.push({ path, message: 'must be a non-empty string' });
    return false;
  }
  const problem = textProblem(value, maxLength);
  if (problem) problems.push({ path, message: problem });
  return problem === undefined;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A JSON scalar a condition may compare with: string, finite number or boolean (null: use `exists`). */
export function scalarProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean' || isFiniteNumber(value)) return undefined;
  if (typeof value === 'string') return textProblem(value, MAX_VALUE_LENGTH);
  return 'must be a string, a finite number or a boolean';
}

export function isScalar(value: unknown): value is Scalar {
  return scalarProblem(value) === undefined;
}
