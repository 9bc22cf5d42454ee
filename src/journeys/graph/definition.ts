/**
 * The JSON shape of a journey version, as marketers write it and as it is stored (immutable once published).
 * Pure types: graph validation (validate.ts), the engine and simulation all read this one shape.
 */
import type { RuleDefinition } from '../../segments/rules';

/** A duration as marketers write it: `"0s"`, `"30m"`, `"2h"`, `"3d"`, `"1w"`, or combined `"1d12h"`. */
export type DurationText = string;

/** A local time of day, `"HH:MM"` (24 h), in the customer's timezone (UTC when they have none). */
export type LocalTime = string;

/** ISO weekday numbers: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A condition on an event's properties: the rules format with the single fact `properties`. */
export interface PropertyCondition {
  /** JSONPath-like path into the event's properties, e.g. `$.category`. */
  path: string;
  operator:
    | 'equal'
    | 'notEqual'
    | 'in'
    | 'notIn'
    | 'lessThan'
    | 'lessThanInclusive'
    | 'greaterThan'
    | 'greaterThanInclusive'
    | 'contains'
    | 'exists';
  value?: unknown;
}

export interface EventTrigger {
  type: 'event';
  event: string;
  /** All must hold. */
  where?: PropertyCondition[];
  /** Property path whose value keys the run (one live run per customer per key), e.g. `$.cart_id`. */
  keyBy?: string;
}

export interface SegmentTrigger {
  type: 'segment_entered' | 'segment_exited';
  segment: string;
}

export interface ClvTierTrigger {
  type: 'clv_tier_changed';
  from?: string;
  to?: string;
}

export interface CartAbandonedTrigger {
  type: 'cart_abandoned';
  /** How long after the last `Product Added` without an `Order Completed` the cart counts as abandoned. */
  window: DurationText;
}

export interface DateTrigger {
  type: 'date';
  /** Trait holding a date (`YYYY-MM-DD` or an ISO timestamp), e.g. `birthday`; its month and day recur yearly. */
  trait: string;
  /** Days before (negative) or after the date. */
  offsetDays?: number;
  /** Local time of day the run starts. Default `09:00`. */
  at?: LocalTime;
}

export interface ApiTrigger {
  type: 'api';
}

export type Trigger =
  EventTrigger | SegmentTrigger | ClvTierTrigger | CartAbandonedTrigger | DateTrigger | ApiTrigger;

export type TriggerType = Trigger['type'];

interface NodeBase {
  /** Unique within the journey: `[A-Za-z0-9_-]{1,64}`. */
  id: string;
  /** Shown in reports and timelines. */
  name?: string;
}

export interface WaitDurationNode extends NodeBase {
  type: 'wait';
  duration: DurationText;
  next: string;
}

export interface WaitUntilTimeNode extends NodeBase {
  type: 'wait';
  /** The next moment at this local time, on one of `weekdays` (default every day). */
  until: { time: LocalTime; weekdays?: Weekday[] };
  next: string;
}

export interface WaitForEventNode extends NodeBase {
  type: 'wait';
  /** Continues at `next` when the customer does this event, at `timeoutNext` after `timeout`. */
  event: { name: string; where?: PropertyCondition[] };
  timeout: DurationText;
  next: string;
  timeoutNext: string;
}

export type WaitNode = WaitDurationNode | WaitUntilTimeNode | WaitForEventNode;

export interface BranchNode extends NodeBase {
  type: 'branch';
  /**
   * Ordered; the first whose `when` holds wins. `when` is a rules definition (as segments use) over the customer's
   * facts plus the fact `context` (the run's context: `context.event` is the triggering event's properties).
   */
  branches: { name?: string; when: RuleDefinition; next: string }[];
  else: string;
}

export interface SplitNode extends NodeBase {
  type: 'split';
  /** Key of an experiment (experiments module): each arm routes to `arms[armName]`, its holdout to `holdout`. */
  experiment?: string;
  arms?: Record<string, string>;
  holdout?: string;
  /** Without an experiment: deterministic weighted hashing, stored per run. Weights sum to 1. */
  variants?: { name: string; weight: number; next: string }[];
}

export interface SendEmailNode extends NodeBase {
  type: 'send_email';
  /** Template key or id; `version` pins one version, else the newest at publish time is pinned. */
  template: string;
  version?: number;
  /** Block name → index (from 0) of the variant to render, overriding the block's conditions. */
  blocks?: Record<string, number>;
  /** Transactional messages ignore marketing consent, frequency caps and quiet hours (never suppression). */
  transactional?: boolean;
  next?: string;
}

export interface UpdateCustomerNode extends NodeBase {
  type: 'update_customer';
  set?: Record<string, unknown>;
  increment?: Record<string, number>;
  next?: string;
}

export interface ExitNode extends NodeBase {
  type: 'exit';
}

export type JourneyNode = WaitNode | BranchNode | SplitNode | SendEmailNode | UpdateCustomerNode | ExitNode;
export type NodeType = JourneyNode['type'];

export interface Goal {
  /** Shown in reports. */
  name?: string;
  event: string;
  where?: PropertyCondition[];
  /** How long after entry the goal counts; default the run's whole life. */
  within?: DurationText;
}

export interface ReentryPolicy {
  /** `once`: a customer enters at most once; `cooldown`: again after `cooldown` since the last entry; `always`. */
  policy: 'once' | 'cooldown' | 'always';
  cooldown?: DurationText;
}

export interface JourneyDefinition {
  trigger: Trigger;
  /** Id of the first node; default the first in `nodes`. */
  start?: string;
  nodes: JourneyNode[];
  goals?: Goal[];
  /** Default `{ policy: 'once' }`. */
  reentry?: ReentryPolicy;
  /** At most `max` emails from this journey per customer within `within` (default none). */
  frequencyCap?: { max: number; within: DurationText };
}

/** Every node a node can lead to, with the field that names it (for problem paths). */
export function successors(node: JourneyNode): { field: string; target: string }[] {
  switch (node.type) {
    case 'wait':
      return 'event' in node
        ? [
            { field: 'next', target: node.next },
            { field: 'timeoutNext', target: node.timeoutNext },
          ]
        : [{ field: 'next', target: node.next }];
    case 'branch':
      return [
        ...node.branches.map((b, i) => ({ field: `branches[${i}].next`, target: b.next })),
        { field: 'else', target: node.else },
      ];
    case 'split':
      return [
        ...Object.entries(node.arms ?? {}).map(([arm, target]) => ({ field: `arms.${arm}`, target })),
        ...(node.holdout !== undefined ? [{ field: 'holdout', target: node.holdout }] : []),
        ...(node.variants ?? []).map((v, i) => ({ field: `variants[${i}].next`, target: v.next })),
      ];
    case 'send_email':
    case 'update_customer':
      return node.next !== undefined ? [{ field: 'next', target: node.next }] : [];
    case 'exit':
      return [];
  }
}
