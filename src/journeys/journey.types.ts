import type { JourneyDefinition } from './graph/definition';

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'archived';

export interface JourneyRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  status: JourneyStatus;
  /** The editable definition; `publish` freezes it into a new version. */
  definition: unknown;
  currentVersion: number | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export const JOURNEY_COLUMNS = `id, key, name, description, status, draft AS definition,
  current_version AS "currentVersion", created_at AS "createdAt", updated_at AS "updatedAt",
  archived_at AS "archivedAt"`;

/** What publishing pinned, so a version runs the same way for as long as runs are on it. */
export interface PinnedReferences {
  /** send_email node id → the template version it sends. */
  templates: Record<string, { id: string; key: string; version: number }>;
  /** Segment key → id, for segment triggers. */
  segments: Record<string, string>;
}

export interface PublishedVersion {
  journeyId: string;
  journeyKey: string;
  version: number;
  definition: JourneyDefinition;
  pinned: PinnedReferences;
  publishedAt: Date;
}

export type RunStatus = 'active' | 'waiting' | 'completed' | 'converted' | 'exited' | 'failed';
export const LIVE_RUN_STATUSES: RunStatus[] = ['active', 'waiting'];

export interface RunView {
  id: string;
  journeyId: string;
  journey: string;
  version: number;
  customerId: string;
  runKey: string;
  status: RunStatus;
  nodeId: string;
  nodeEnteredAt: Date;
  step: number;
  wakeAt: Date | null;
  waitingFor: string | null;
  context: Record<string, unknown>;
  enteredAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  revenue: number | null;
  lastError: string | null;
}

export const RUN_COLUMNS = `r.id, r.journey_id AS "journeyId", j.key AS journey, r.version, r.customer_id AS "customerId",
  r.run_key AS "runKey", r.status, r.node_id AS "nodeId", r.node_entered_at AS "nodeEnteredAt", r.step, r.wake_at AS "wakeAt", r.waiting_for AS "waitingFor",
  r.context, r.entered_at AS "enteredAt", r.ended_at AS "endedAt", r.end_reason AS "endReason",
  r.revenue::float8 AS revenue, r.last_error AS "lastError"`;

export interface StepView {
  nodeId: string;
  nodeType: string | null;
  step: number;
  outcome: string;
  detail: Record<string, unknown>;
  enteredAt: Date;
  /** null for the node a live run is at now. */
  leftAt: Date | null;
}
