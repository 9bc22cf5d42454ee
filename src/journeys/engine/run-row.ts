import type { JourneyNode } from '../graph/definition';

/** A claimed run as the engine works on it. */
export interface RunRow {
  id: string;
  journeyId: string;
  version: number;
  customerId: string;
  timezone: string | null;
  runKey: string;
  status: 'active' | 'waiting';
  nodeId: string;
  phase: 'arrive' | 'parked' | 'event';
  step: number;
  nodeEnteredAt: Date;
  context: RunContext;
  enteredAt: Date;
  attempts: number;
}

export const RUN_ROW_COLUMNS = `r.id, r.journey_id AS "journeyId", r.version, r.customer_id AS "customerId",
  c.timezone, r.run_key AS "runKey", r.status, r.node_id AS "nodeId", r.phase, r.step,
  r.node_entered_at AS "nodeEnteredAt", r.context, r.entered_at AS "enteredAt", r.attempts`;

/** The run's context: what templates see as `event`, plus what the engine keeps between steps. */
export interface RunContext {
  /** The triggering event's properties (a cart's products, an API enrolment's context). */
  event?: Record<string, unknown>;
  /** The event that ended the last wait-for-event. */
  lastEvent?: Record<string, unknown>;
  /** Split node id → arm taken (sticky within the run). */
  splits?: Record<string, string>;
  /** Cart-abandonment runs before the window has passed. */
  cart?: { startedAt: string; products: Record<string, unknown>[]; cartId?: string };
  [key: string]: unknown;
}

/** The pseudo-node a cart_abandoned run waits at until the window passes without an order. */
export const CART_NODE = '$cart';

/** What running a node decided. */
export type NodeOutcome =
  /** Leave the node: `to` is the next node (null: the run completes). */
  | { kind: 'next'; to: string | null; outcome: string; detail?: Record<string, unknown> }
  /** Stay at the node until `wakeAt` (status waiting: also until `waitingFor` happens). */
  | { kind: 'park'; wakeAt: Date; waitingFor?: string }
  /** The run ends here (exit node, cart ordered). */
  | {
      kind: 'end';
      status: 'exited' | 'completed';
      reason: string;
      outcome: string;
      detail?: Record<string, unknown>;
    };

export type NodeOf<T extends JourneyNode['type']> = Extract<JourneyNode, { type: T }>;
