import type { TriggerType } from './definition';
import {
  checkDuration,
  checkKeys,
  checkLocalTime,
  checkObject,
  checkOptionalText,
  checkPropertyConditions,
  checkPropertyPath,
  checkText200,
  Problems,
} from './field-checks';

export const TRIGGER_TYPES: readonly TriggerType[] = [
  'event',
  'segment_entered',
  'segment_exited',
  'clv_tier_changed',
  'cart_abandoned',
  'date',
  'api',
];

const KEYS: Record<TriggerType, readonly string[]> = {
  event: ['type', 'event', 'where', 'keyBy'],
  segment_entered: ['type', 'segment'],
  segment_exited: ['type', 'segment'],
  clv_tier_changed: ['type', 'from', 'to'],
  cart_abandoned: ['type', 'window'],
  date: ['type', 'trait', 'offsetDays', 'at'],
  api: ['type'],
};

const MAX_OFFSET_DAYS = 366;

/** Every problem of the trigger; `segments` are the keys that exist. */
export function checkTrigger(trigger: unknown, segments: ReadonlySet<string>, problems: Problems): void {
  const path = 'trigger';
  if (!checkObject(trigger, path, problems, 'a trigger object')) return;
  const type = trigger.type as TriggerType;
  if (!TRIGGER_TYPES.includes(type)) {
    problems.push({
      path: `${path}.type`,
      message: `${type === undefined ? 'is required' : 'unknown trigger type'}; one of ${TRIGGER_TYPES.join(', ')}`,
    });
    return;
  }
  checkKeys(trigger, KEYS[type], path, problems);
  switch (type) {
    case 'event':
      checkText200(trigger.event, `${path}.event`, problems);
      if (trigger.where !== undefined) checkPropertyConditions(trigger.where, `${path}.where`, problems);
      if (trigger.keyBy !== undefined) checkPropertyPath(trigger.keyBy, `${path}.keyBy`, problems);
      return;
    case 'segment_entered':
    case 'segment_exited':
      if (
        checkText200(trigger.segment, `${path}.segment`, problems) &&
        !segments.has(trigger.segment as string)
      )
        problems.push({ path: `${path}.segment`, message: `unknown segment "${trigger.segment as string}"` });
      return;
    case 'clv_tier_changed':
      checkOptionalText(trigger.from, `${path}.from`, problems);
      checkOptionalText(trigger.to, `${path}.to`, problems);
      if (trigger.from !== undefined && trigger.from === trigger.to)
        problems.push({
          path: `${path}.to`,
          message: 'must differ from from: a tier never changes to itself',
        });
      return;
    case 'cart_abandoned':
      checkDuration(trigger.window, `${path}.window`, problems, true);
      return;
    case 'date':
      checkText200(trigger.trait, `${path}.trait`, problems);
      if (
        trigger.offsetDays !== undefined &&
        (!Number.isInteger(trigger.offsetDays) || Math.abs(trigger.offsetDays as number) > MAX_OFFSET_DAYS)
      )
        problems.push({
          path: `${path}.offsetDays`,
          message: `must be a whole number of days from -${MAX_OFFSET_DAYS} to ${MAX_OFFSET_DAYS}`,
        });
      if (trigger.at !== undefined) checkLocalTime(trigger.at, `${path}.at`, problems);
      return;
    case 'api':
      return;
  }
}
