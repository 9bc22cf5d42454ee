/**
 * True when a string holds half of a UTF-16 surrogate pair on its own (JSON can carry one as "\ud800"). PostgreSQL
 * refuses it in json input and turns it into U+FFFD in text, so such a string is either an error deep in a write or
 * silently another string. The native check: it runs on every string of every ingested event, and answers at once
 * for strings that hold no character beyond U+00FF.
 */
export function hasLoneSurrogate(value: string): boolean {
  return !value.isWellFormed();
}
