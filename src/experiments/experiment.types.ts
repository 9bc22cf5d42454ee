import type { ArmDefinition, FactorDefinition, HoldoutDefinition } from './assignment/experiment-definition';
import type { Allocation, ExperimentStatus, Metric, WinnerPolicy } from './experiments.dto';

export interface StoredDefinition {
  arms?: ArmDefinition[];
  factors?: FactorDefinition[];
  holdout?: HoldoutDefinition;
}

export interface ExperimentRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  definition: StoredDefinition;
  primaryMetric: Metric;
  guardrailMetrics: Metric[];
  minSamplePerArm: number;
  startAt: Date | null;
  endAt: Date | null;
  status: ExperimentStatus;
  allocation: Allocation;
  winnerPolicy: WinnerPolicy;
  winner: string | null;
  promotedAt: Date | null;
  /** 'auto' (the scheduled check) or the id of the API key that promoted the winner. */
  promotedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const EXPERIMENT_COLUMNS = `id, key, name, description, definition, primary_metric AS "primaryMetric",
  guardrail_metrics AS "guardrailMetrics", min_sample_per_arm AS "minSamplePerArm", starts_at AS "startAt",
  ends_at AS "endAt", status, allocation, winner_policy AS "winnerPolicy", winner, promoted_at AS "promotedAt",
  promoted_by AS "promotedBy", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

export interface AssignmentView {
  experiment: string;
  customerId: string;
  /** Arm (or factorial cell) name; null in the holdout. */
  arm: string | null;
  holdout: boolean;
  /** Level per factor for factorial experiments. */
  levels: Record<string, string> | null;
  /** Keys of the segments the customer was in when assigned. */
  segments: string[];
  assignedAt: Date;
  /** True when this call made the assignment (first exposure). */
  created: boolean;
}
