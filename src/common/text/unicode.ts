const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when a string holds half of a UTF-16 surrogate pair on its own (JSON can carry one as "\ud800"). PostgreSQL
 * refuses it in json input and turns it into U+FFFD in text, so such a string is either an error deep in a write or
 * silently another string.
 */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}
