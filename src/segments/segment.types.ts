import type { RuleDefinition } from './rules/definition';

export interface SegmentRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  version: number;
  rules: RuleDefinition;
  minDwellSeconds: number;
  refreshedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export const SEGMENT_COLUMNS = `id, key, name, description, version, rules, min_dwell_seconds AS "minDwellSeconds",
  refreshed_at AS "refreshedAt", created_at AS "createdAt", updated_at AS "updatedAt", archived_at AS "archivedAt"`;
