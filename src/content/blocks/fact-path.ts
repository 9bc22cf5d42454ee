import { JSONPath } from 'jsonpath-plus';

/** `$.a.b.c`: plain member access, which is nearly every block condition's path. */
const PLAIN = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * json-rules-engine's path resolver with a fast path. Its default asks jsonpath-plus for an unwrapped scalar, which
 * jsonpath-plus hands back by throwing and catching an Error (stack trace included) on every condition of every
 * message; a plain `$.a.b` path is read directly instead, with JSONPath's answer: the own property's value, or
 * undefined when any step is missing. Every other path (wildcards, filters, brackets) still goes to jsonpath-plus.
 */
export function resolveFactPath(value: unknown, path: string): unknown {
  if (!PLAIN.test(path)) return JSONPath({ path, json: value as object, wrap: false });
  let current: unknown = value;
  let start = 2;
  while (start <= path.length) {
    const end = path.indexOf('.', start);
    const key = path.slice(start, end < 0 ? path.length : end);
    // Object(): a string's own `length`, as jsonpath-plus reads it.
    if (current === null || current === undefined || !Object.hasOwn(Object(current), key)) return undefined;
    current = (current as Record<string, unknown>)[key];
    if (end < 0) break;
    start = end + 1;
  }
  return current;
}
