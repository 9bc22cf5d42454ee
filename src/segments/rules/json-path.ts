import { parsePath } from './facts';

const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;

/**
 * Reads a `$.a.b` path out of a JSON value exactly as PostgreSQL's `jsonb #> text[]` does, because the SQL evaluator
 * uses that operator: objects are read by own key only (never Object.prototype), arrays by a key that is an integer
 * (`$.tags.0`; negative counts from the end, like `#>`), anything else yields undefined (missing).
 */
export function resolvePath(root: unknown, path: string): unknown {
  const keys = parsePath(path);
  if (!keys) return undefined;
  let current: unknown = root;
  for (const key of keys) {
    if (Array.isArray(current)) current = arrayElement(current, key);
    else if (current !== null && typeof current === 'object' && Object.hasOwn(current, key))
      current = (current as Record<string, unknown>)[key];
    else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** PostgreSQL reads the key with strtol: optional minus, digits, int32 range; anything else finds nothing. */
function arrayElement(array: unknown[], key: string): unknown {
  if (!/^-?\d+$/.test(key)) return undefined;
  const index = BigInt(key);
  if (index < INT32_MIN || index > INT32_MAX) return undefined;
  const i = Number(index) < 0 ? array.length + Number(index) : Number(index);
  return i >= 0 && i < array.length ? array[i] : undefined;
}
