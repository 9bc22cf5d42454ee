import { decodeCursor, encodeCursor } from '../common/http/pagination';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Page } from '../common/http/pagination';
import { isUuid } from '../common/http/uuid';
import { Clock } from '../database/clock';
import { AnalyticsException } from './analytics.exception';

export type ModelKind = 'clv' | 'churn';
export const MODEL_KINDS: readonly ModelKind[] = ['clv', 'churn'];
export type ModelStatus = 'fitted' | 'failed' | 'not_converged';

/** What a fit attempt stores; JSON fields must be JSON-safe (NaN and ±Infinity become null). */
export interface ModelRecord {
  kind: ModelKind;
  status: ModelStatus;
  options: object;
  params?: object | null;
  standardErrors?: object | null;
  logLikelihood?: number | null;
  sampleSize?: number | null;
  repeatBuyers?: number | null;
  fitMs?: number | null;
  scoreMs?: number | null;
  diagnostics?: object;
  error?: string | null;
}

export interface ModelView {
  id: string;
  kind: ModelKind;
  status: ModelStatus;
  isCurrent: boolean;
  options: Record<string, unknown>;
  params: Record<string, unknown> | null;
  standardErrors: Record<string, unknown> | null;
  logLikelihood: number | null;
  sampleSize: number | null;
  repeatBuyers: number | null;
  fitMs: number | null;
  scoreMs: number | null;
  diagnostics: Record<string, unknown>;
  error: string | null;
  createdAt: Date;
}

export type ModelSummary = Omit<ModelView, 'diagnostics'>;

const SUMMARY_COLUMNS = `id, kind, status, is_current AS "isCurrent", options, params, standard_errors AS "standardErrors",
  log_likelihood AS "logLikelihood", sample_size AS "sampleSize", repeat_buyers AS "repeatBuyers", fit_ms AS "fitMs",
  score_ms AS "scoreMs", error, created_at AS "createdAt"`;
const VIEW_COLUMNS = `${SUMMARY_COLUMNS}, diagnostics`;

/** The models table: every fit attempt, and which model of each kind is current. */
@Injectable()
export class ModelsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Inserts a model row (not current) and returns its id. */
  async insert(record: ModelRecord, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const id = randomUUID();
    const json = (value: object | null | undefined) =>
      value === undefined || value === null ? null : JSON.stringify(value);
    const finite = (value: number | null | undefined) =>
      value === undefined || value === null || !Number.isFinite(value) ? null : value;
    await manager.query(
      `INSERT INTO models (id, kind, status, options, params, standard_errors, log_likelihood, sample_size,
                           repeat_buyers, fit_ms, score_ms, diagnostics, error, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        id,
        record.kind,
        record.status,
        JSON.stringify(record.options),
        json(record.params),
        json(record.standardErrors),
        finite(record.logLikelihood),
        finite(record.sampleSize),
        finite(record.repeatBuyers),
        record.fitMs === undefined || record.fitMs === null ? null : Math.round(record.fitMs),
        record.scoreMs === undefined || record.scoreMs === null ? null : Math.round(record.scoreMs),
        JSON.stringify(record.diagnostics ?? {}),
        record.error ?? null,
        this.clock.now(),
      ],
    );
    return id;
  }

  /** Makes `id` the current model of its kind, inside the caller's transaction (which also publishes its scores). */
  async makeCurrent(manager: EntityManager, kind: ModelKind, id: string): Promise<void> {
    await manager.query(`UPDATE models SET is_current = false WHERE kind = $1 AND is_current`, [kind]);
    await manager.query(`UPDATE models SET is_current = true WHERE id = $1`, [id]);
  }

  /** The current model's id, row-locked until the caller's transaction ends. */
  async lockCurrent(manager: EntityManager, kind: ModelKind): Promise<string | undefined> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM models WHERE kind = $1 AND is_current FOR UPDATE`,
      [kind],
    );
    return rows[0]?.id;
  }

  async get(id: string): Promise<ModelView> {
    if (!isUuid(id)) throw AnalyticsException.notFound(id);
    const rows: ModelView[] = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM models WHERE id = $1`,
      [id],
    );
    if (!rows.length) throw AnalyticsException.notFound(id);
    return rows[0];
  }

  async current(kind: ModelKind): Promise<ModelView | undefined> {
    const rows: ModelView[] = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM models WHERE kind = $1 AND is_current`,
      [kind],
    );
    return rows[0];
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(query: {
    kind?: ModelKind;
    current?: boolean;
    limit?: number;
    cursor?: string;
  }): Promise<Page<ModelSummary>> {
    const limit = query.limit ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.kind) {
      params.push(query.kind);
      where.push(`kind = $${params.length}`);
    }
    if (query.current !== undefined) {
      params.push(query.current);
      where.push(`is_current = $${params.length}`);
    }
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor);
      params.push(createdAt, id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: ModelSummary[] = await this.dataSource.query(
      `SELECT ${SUMMARY_COLUMNS} FROM models ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }
}
