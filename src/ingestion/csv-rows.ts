import { createHash } from 'node:crypto';
import type { Json, JsonObject } from './message';

export type ImportKind = 'customers' | 'events';
export const IMPORT_KINDS: ImportKind[] = ['customers', 'events'];

const PROFILE_COLUMNS = new Set(['userId', 'anonymousId', 'messageId', 'timestamp']);
const EVENT_COLUMNS = new Set(['userId', 'anonymousId', 'messageId', 'timestamp', 'event', 'properties']);

/** Header problems stop an import before any row is read. */
export function checkHeader(kind: ImportKind, header: string[]): string | undefined {
  if (new Set(header).size !== header.length) return 'the header has duplicate column names';
  if (!header.includes('userId') && !header.includes('anonymousId'))
    return 'a userId or anonymousId column is required';
  if (kind === 'events' && !header.includes('event')) return 'an event column is required';
  if (kind === 'events') {
    const stray = header.filter((c) => !EVENT_COLUMNS.has(c) && !c.startsWith('properties.'));
    if (stray.length)
      return `unknown columns ${stray.join(', ')}: event properties go in "properties.<name>" columns or a JSON "properties" column`;
  }
  return undefined;
}

/**
 * Turns one CSV row into a raw Segment message, validated afterwards like any API call. Without a messageId
 * column the id is derived from the file's kind, line and content, so importing the same file twice stores nothing
 * twice.
 */
export function rowToMessage(
  kind: ImportKind,
  header: string[],
  row: string[],
  line: number,
): Record<string, unknown> {
  const values: Record<string, string> = {};
  header.forEach((column, i) => {
    if (row[i] !== undefined && row[i] !== '') values[column] = row[i];
  });
  const messageId =
    values.messageId ??
    `csv-${createHash('sha256')
      .update(`${kind}\n${line}\n${JSON.stringify(row)}`)
      .digest('base64url')
      .slice(0, 32)}`;
  const base = {
    messageId,
    userId: values.userId,
    anonymousId: values.anonymousId,
    timestamp: values.timestamp,
  };
  if (kind === 'customers') {
    const traits: JsonObject = {};
    for (const [column, value] of Object.entries(values)) {
      if (PROFILE_COLUMNS.has(column)) continue;
      const name = column.startsWith('traits.') ? column.slice(7) : column;
      traits[name] =
        name === 'marketingConsent'
          ? parseBoolean(value)
          : name === 'email' || name === 'timezone'
            ? value
            : parseValue(value);
    }
    return { ...base, type: 'identify', traits };
  }
  let properties: unknown = {};
  if (values.properties !== undefined) {
    try {
      properties = JSON.parse(values.properties);
    } catch {
      properties = values.properties; // rejected by validation as "must be an object"
    }
  }
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) {
    for (const [column, value] of Object.entries(values)) {
      if (column.startsWith('properties.')) (properties as JsonObject)[column.slice(11)] = parseValue(value);
    }
  }
  return { ...base, type: 'track', event: values.event, properties };
}

/** Numbers, booleans and JSON objects/arrays keep their type; everything else (including "02134") stays text. */
function parseValue(value: string): Json {
  if (/^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|\{.*\}|\[.*\])$/s.test(value)) {
    try {
      return JSON.parse(value) as Json;
    } catch {
      return value;
    }
  }
  return value;
}

function parseBoolean(value: string): Json {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', '1', 'y'].includes(v)) return true;
  if (['false', 'no', '0', 'n'].includes(v)) return false;
  return value; // rejected by validation with the column named
}
