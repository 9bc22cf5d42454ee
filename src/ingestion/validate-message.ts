import { randomUUID } from 'node:crypto';
import type { FieldProblem } from '../common/errors/app.exception';
import { storableTextProblem } from '../common/text/storable-text';
import { IncomingMessage, Json, JsonObject, MESSAGE_TYPES, MessageType, ORDER_COMPLETED } from './message';

export const LIMITS = {
  idLength: 255,
  eventLength: 200,
  depth: 16,
  batchSize: 2500,
};

/**
 * Validates one Segment message and resolves its timestamp as the Segment spec does: when the client sent both
 * its own `timestamp` and `sentAt`, the clock skew between the device and the server is removed
 * (timestamp = receivedAt − (sentAt − originalTimestamp)).
 */
export function validateMessage(
  raw: unknown,
  path: string,
  receivedAt: Date,
  defaults: { type?: MessageType; sentAt?: unknown; context?: unknown } = {},
  problems: FieldProblem[],
): IncomingMessage | undefined {
  const before = problems.length;
  const bad = (field: string, message: string) =>
    problems.push({ path: path ? `${path}.${field}` : field, message });
  if (!isObject(raw)) {
    problems.push({ path: path || 'body', message: 'must be a JSON object' });
    return undefined;
  }

  const type = (raw.type ?? defaults.type) as MessageType;
  if (!MESSAGE_TYPES.includes(type)) bad('type', `must be one of ${MESSAGE_TYPES.join(', ')}`);

  const userId = id(raw.userId, 'userId', bad);
  const anonymousId = id(raw.anonymousId, 'anonymousId', bad);
  if (
    userId === undefined &&
    anonymousId === undefined &&
    !problems.slice(before).some((p) => /Id$/.test(p.path))
  ) {
    bad('userId', 'userId or anonymousId is required');
  }
  let messageId = id(raw.messageId, 'messageId', bad);
  const generatedMessageId = messageId === undefined;
  messageId ??= `wm-${randomUUID()}`;

  let event: string | undefined;
  let previousId: string | undefined;
  if (type === 'track') {
    event = text(raw.event, 'event', LIMITS.eventLength, bad, true);
  } else if (type === 'page' || type === 'screen') {
    event =
      text(raw.name, 'name', LIMITS.eventLength, bad, false) ??
      (type === 'page' ? 'Page Viewed' : 'Screen Viewed');
  } else if (type === 'alias') {
    previousId = id(raw.previousId, 'previousId', bad);
    if (previousId === undefined) bad('previousId', 'is required for alias');
    if (userId === undefined) bad('userId', 'is required for alias');
  }

  const properties = object(raw.properties, 'properties', bad);
  const traits = object(raw.traits, 'traits', bad);
  const context = object(raw.context ?? defaults.context, 'context', bad);
  if (type === 'track' && event === ORDER_COMPLETED) checkOrder(properties, bad);
  if (type === 'identify') checkTraits(traits, bad);

  const original = time(
    raw.timestamp ?? raw.originalTimestamp,
    raw.timestamp !== undefined ? 'timestamp' : 'originalTimestamp',
    bad,
  );
  const sentAt = time(raw.sentAt ?? defaults.sentAt, 'sentAt', bad);
  if (problems.length > before) return undefined;

  let timestamp = receivedAt;
  if (original && sentAt)
    timestamp = new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime()));
  else if (original) timestamp = original;

  return {
    type,
    messageId,
    generatedMessageId,
    userId,
    anonymousId,
    previousId,
    event,
    properties,
    traits,
    context,
    timestamp,
    originalTimestamp: original,
    sentAt,
    receivedAt,
  };
}

/** A numeric field of an order: a number or a numeric string, as clients send both. */
export function orderAmount(properties: JsonObject): number | undefined {
  const value = properties.revenue ?? properties.total;
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

type Bad = (field: string, message: string) => void;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function id(v: unknown, field: string, bad: Bad): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') {
    bad(field, 'must be a string');
    return undefined;
  }
  return text(v, field, LIMITS.idLength, bad, true);
}

function text(v: unknown, field: string, max: number, bad: Bad, required: boolean): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) bad(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') return void bad(field, 'must be a string');
  if (v.length > max) return void bad(field, `must be at most ${max} characters`);
  const problem = storableTextProblem(v);
  if (problem) return void bad(field, problem);
  return v;
}

function object(v: unknown, field: string, bad: Bad): JsonObject {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    bad(field, 'must be an object');
    return {};
  }
  const problem = checkJson(v, 0);
  if (problem) bad(field, problem);
  return v as JsonObject;
}

/** Text PostgreSQL cannot store (storableTextProblem) is refused, and unbounded nesting is a denial of service. */
function checkJson(v: unknown, depth: number): string | undefined {
  if (depth > LIMITS.depth) return `is nested more than ${LIMITS.depth} levels deep`;
  if (typeof v === 'string') return storableTextProblem(v);
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'must contain only finite numbers';
  if (Array.isArray(v)) {
    for (const item of v) {
      const p = checkJson(item, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (v !== null && typeof v === 'object') {
    for (const [key, item] of Object.entries(v)) {
      const k = storableTextProblem(key);
      if (k) return k;
      const p = checkJson(item, depth + 1);
      if (p) return p;
    }
  }
  return undefined;
}

function time(v: unknown, field: string, bad: Bad): Date | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && !(v instanceof Date))
    return void bad(field, 'must be an ISO-8601 date-time string');
  const d = new Date(v);
  const year = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || year < 1970 || year > 9999)
    return void bad(field, 'must be an ISO-8601 date-time string');
  return d;
}

/** What both JavaScript and PostgreSQL's numeric read as the same decimal number (no hex, no Infinity). */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function checkOrder(properties: JsonObject, bad: Bad): void {
  for (const key of ['revenue', 'total'] as const) {
    const value: Json | undefined = properties[key];
    if (value === undefined || value === null) continue;
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && DECIMAL.test(value)
          ? Number(value)
          : NaN;
    if (!Number.isFinite(n) || Math.abs(n) >= 1e12) bad(`properties.${key}`, 'must be a number');
  }
  if (properties.products !== undefined && !Array.isArray(properties.products))
    bad('properties.products', 'must be an array');
}

function checkTraits(traits: JsonObject, bad: Bad): void {
  const { email, timezone, marketingConsent } = traits;
  if (
    email !== undefined &&
    email !== null &&
    (typeof email !== 'string' || email.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(email))
  ) {
    bad('traits.email', 'must be an email address');
  }
  if (timezone !== undefined && timezone !== null && !isTimeZone(timezone))
    bad('traits.timezone', 'must be an IANA time zone such as Europe/Paris');
  if (marketingConsent !== undefined && marketingConsent !== null && typeof marketingConsent !== 'boolean') {
    bad('traits.marketingConsent', 'must be true or false');
  }
}

const zones = new Map<string, boolean>();
export function isTimeZone(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 64) return false;
  let ok = zones.get(v);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: v });
      ok = true;
    } catch {
      ok = false;
    }
    if (zones.size < 1000) zones.set(v, ok);
  }
  return ok;
}
