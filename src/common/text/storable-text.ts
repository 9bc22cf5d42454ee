export const NUL_PROBLEM = 'must not contain NUL characters (U+0000), which PostgreSQL cannot store';
export const LONE_SURROGATE_PROBLEM =
  'must be well-formed Unicode: a lone surrogate (such as \\ud800 in JSON) cannot be stored';

/**
 * Why PostgreSQL cannot store a string as it is, or undefined when it can. Text and jsonb cannot hold U+0000. Half of
 * a UTF-16 surrogate pair on its own (JSON can carry one as "\ud800") is refused in json input (a 500 deep in a
 * write) and turned into U+FFFD in text (silently another string). Runs on every string of every request body, so
 * the surrogate test is the native one, which answers at once for strings with no character beyond U+00FF.
 */
export function storableTextProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return NUL_PROBLEM;
  return value.isWellFormed() ? undefined : LONE_SURROGATE_PROBLEM;
}
