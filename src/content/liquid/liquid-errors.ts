import { LiquidError } from 'liquidjs';
import * as nodePath from 'node:path';
import type { TemplateProblem } from '../content.exception';

interface WithErrors {
  errors?: unknown[];
}

/**
 * Problems for an error thrown while parsing or rendering the source at `path` (`html`, `subject`,
 * `blocks.hero[1].html`): one per Liquid error (several when errors were collected), each with the line and column
 * in that source and, for an undefined variable, its name. An error inside a file of templates/ (a partial or a
 * layout) names that file, relative to `templatesDir`, and the line and column are in it.
 */
export function liquidProblems(error: unknown, path: string, templatesDir?: string): TemplateProblem[] {
  const nested = (error as WithErrors)?.errors;
  if (LiquidError.is(error) && Array.isArray(nested))
    return nested.flatMap((e) => liquidProblems(e, path, templatesDir));
  if (!LiquidError.is(error)) return [{ path, message: messageOf(error) }];
  const problem: TemplateProblem = { path, message: messageOf(innermost(error)) };
  const [line, column] = positionIn(error);
  if (line !== undefined) Object.assign(problem, { line, column });
  const variable = variableOf(error);
  if (variable) problem.variable = variable;
  const file = error.token?.file;
  if (file) problem.file = templatesDir ? nodePath.relative(templatesDir, file) : nodePath.basename(file);
  return [problem];
}

function innermost(error: LiquidError): unknown {
  let e: unknown = error;
  while (LiquidError.is(e) && e.originalError) e = e.originalError;
  return e;
}

function positionIn(error: LiquidError): [number | undefined, number | undefined] {
  const pos = error.token?.getPosition?.();
  return pos && pos.length >= 2 ? [pos[0], pos[1]] : [undefined, undefined];
}

function variableOf(error: LiquidError): string | undefined {
  let e: unknown = error;
  while (e) {
    const name = (e as { variableName?: unknown }).variableName;
    if (typeof name === 'string') return name;
    e = (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // liquidjs appends ", line:3, col:7" (and a source excerpt in the stack): the position is reported separately.
  return message.replace(/, line:\d+, col:\d+$/, '').replace(/ in "[^"]*"$/, '');
}
