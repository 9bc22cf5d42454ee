import { Page, PageQuery, textCursorAfter, textPage } from '../common/http/pagination';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { FieldProblem } from '../common/errors/app.exception';
import { isUuid } from '../common/http/uuid';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { expandFactorial, validateExperimentDefinition } from './assignment/experiment-definition';
import { createAssigner, type Assigner } from './assignment/hash-assign';
import {
  AUTO_PROMOTABLE_METRICS,
  METRICS,
  WINNER_POLICIES,
  type CreateExperimentDto,
  type Metric,
  type UpdateExperimentDto,
} from './experiments.dto';
import { ExperimentsErrorCode, ExperimentsException } from './experiments.exception';
import { EXPERIMENT_COLUMNS, type ExperimentRow, type StoredDefinition } from './experiment.types';

const isMetric = (m: unknown): boolean => typeof m === 'string' && (METRICS as readonly string[]).includes(m);

/** Who promoted a winner: the scheduled check, or an API key (its id is recorded). */
export type Promoter = 'auto' | { id: string } | undefined;

/** The arm names (or factor names and levels) of a definition: what may not change while it runs. */
function structureOf(d: StoredDefinition): string {
  return JSON.stringify({
    arms: d.arms?.map((a) => a.name) ?? null,
    factors: d.factors?.map((f) => ({ name: f.name, levels: f.levels })) ?? null,
  });
}

@Injectable()
export class ExperimentsService {
  private readonly assigners = new Map<string, { version: number; assigner: Assigner }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateExperimentDto): Promise<ExperimentRow> {
    const definition = this.definitionOf(dto);
    this.validate(dto.key, definition, dto);
    const now = this.clock.now();
    const rows: ExperimentRow[] = await this.dataSource.query(
      `INSERT INTO experiments (key, name, description, definition, primary_metric, guardrail_metrics,
         min_sample_per_arm, starts_at, ends_at, status, allocation, winner_policy, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13, $12, $12)
       ON CONFLICT (key) DO NOTHING RETURNING ${EXPERIMENT_COLUMNS}`,
      [
        dto.key,
        dto.name,
        dto.description ?? null,
        definition,
        dto.primaryMetric,
        dto.guardrailMetrics ?? [],
        dto.minSamplePerArm ?? 0,
        dto.startAt ?? null,
        dto.endAt ?? null,
        dto.status ?? 'draft',
        dto.allocation ?? 'fixed',
        now,
        dto.winnerPolicy ?? 'manual',
      ],
    );
    if (!rows.length) {
      throw new ExperimentsException(
        ExperimentsErrorCode.EXPERIMENT_KEY_TAKEN,
        `An experiment with key "${dto.key}" already exists`,
      );
    }
    return rows[0];
  }

  /** Keyset pagination on the key, like segments. */
  async list(query: PageQuery): Promise<Page<ExperimentRow>> {
    const limit = query.limit ?? 50;
    const rows: ExperimentRow[] = await this.dataSource.query(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE key > $1 ORDER BY key LIMIT $2`,
      [textCursorAfter(query.cursor), limit + 1],
    );
    return textPage(rows, limit, (e) => e.key);
  }

  /** `ref` is the experiment's id or key. */
  async get(
    ref: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<ExperimentRow> {
    const rows: ExperimentRow[] = await manager.query(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE ${isUuid(ref) ? 'id = $1::uuid' : 'key = $1'}${lock ? ' FOR UPDATE' : ''}`,
      [ref],
    );
    if (!rows.length) throw ExperimentsException.notFound(ref);
    return rows[0];
  }

  /**
   * Arms or factors may not change while the experiment runs (the assignments already made would mean
   * something else); weights may, and only new customers see them, since assignments are stored.
   */
  async update(ref: string, dto: UpdateExperimentDto): Promise<ExperimentRow> {
    return this.tx.run(async (manager) => {
      const current = await this.get(ref, manager, true);
      const structural = dto.arms !== undefined || dto.factors !== undefined;
      const definition: StoredDefinition = structural
        ? this.definitionOf(dto, current.definition.holdout)
        : { ...current.definition, ...(dto.holdout !== undefined ? { holdout: dto.holdout as never } : {}) };
      const merged = {
        primaryMetric: dto.primaryMetric ?? current.primaryMetric,
        guardrailMetrics: dto.guardrailMetrics ?? current.guardrailMetrics,
        startAt: dto.startAt ?? current.startAt?.toISOString(),
        endAt: dto.endAt ?? current.endAt?.toISOString(),
        winnerPolicy: dto.winnerPolicy ?? current.winnerPolicy,
      };
      this.validate(current.key, definition, merged);
      if (current.status !== 'draft' && structureOf(definition) !== structureOf(current.definition)) {
        throw new ExperimentsException(
          ExperimentsErrorCode.EXPERIMENT_RUNNING,
          `Experiment "${current.key}" is ${current.status}: its arms and factors cannot change (weights can)`,
          [{ path: current.definition.factors ? 'factors' : 'arms', message: 'cannot change once started' }],
        );
      }
      if (dto.status === 'draft' && current.status !== 'draft') {
        throw new ExperimentsException(
          ExperimentsErrorCode.EXPERIMENT_RUNNING,
          `Experiment "${current.key}" has started and cannot go back to draft`,
        );
      }
      const [[updated]]: [ExperimentRow[], number] = await manager.query(
        `UPDATE experiments SET name = $2, description = $3, definition = $4, primary_metric = $5,
           guardrail_metrics = $6, min_sample_per_arm = $7, starts_at = $8, ends_at = $9, status = $10,
           allocation = $11, winner_policy = $13, updated_at = $12
         WHERE id = $1 RETURNING ${EXPERIMENT_COLUMNS}`,
        [
          current.id,
          dto.name ?? current.name,
          dto.description === undefined ? current.description : dto.description,
          definition,
          merged.primaryMetric,
          merged.guardrailMetrics,
          dto.minSamplePerArm ?? current.minSamplePerArm,
          merged.startAt ?? null,
          merged.endAt ?? null,
          dto.status ?? current.status,
          dto.allocation ?? current.allocation,
          this.clock.now(),
          merged.winnerPolicy,
        ],
      );
      return updated;
    });
  }

  async remove(ref: string): Promise<void> {
    const experiment = await this.get(ref);
    if (experiment.status === 'running') {
      throw new ExperimentsException(
        ExperimentsErrorCode.EXPERIMENT_RUNNING,
        `Experiment "${experiment.key}" is running: stop it first`,
      );
    }
    await this.dataSource.query(`DELETE FROM experiments WHERE id = $1`, [experiment.id]);
  }

  /**
   * From now on new customers get `arm`; customers already assigned keep theirs. Records who promoted it and
   * when. With `onlyFirst` (the automatic check) an experiment that already has a winner is left as it is and
   * null is returned, so a manual promotion made meanwhile is never overwritten.
   */
  async promote(
    ref: string,
    arm: string,
    promoter: Promoter,
    onlyFirst = false,
  ): Promise<ExperimentRow | null> {
    return this.tx.run(async (manager) => {
      const current = await this.get(ref, manager, true);
      if (!this.armNames(current).includes(arm)) {
        throw ExperimentsException.invalid([
          { path: 'arm', message: `no arm "${arm}" (arms: ${this.armNames(current).join(', ')})` },
        ]);
      }
      if (onlyFirst && current.winner !== null) return null;
      const now = this.clock.now();
      const [[updated]]: [ExperimentRow[], number] = await manager.query(
        `UPDATE experiments SET winner = $2, promoted_at = $3, promoted_by = $4, updated_at = $3 WHERE id = $1
         RETURNING ${EXPERIMENT_COLUMNS}`,
        [current.id, arm, now, promoter === 'auto' ? 'auto' : (promoter?.id ?? null)],
      );
      return updated;
    });
  }

  /** Keys of the running experiments with the automatic winner policy and no winner yet. */
  async awaitingAutoPromotion(): Promise<string[]> {
    const rows: { key: string }[] = await this.dataSource.query(
      `SELECT key FROM experiments WHERE status = 'running' AND winner_policy = 'auto' AND winner IS NULL
        ORDER BY key`,
    );
    return rows.map((r) => r.key);
  }

  /** Arm names in order (cells for factorial designs); the first is the control. */
  armNames(experiment: ExperimentRow): string[] {
    return this.arms(experiment).map((a) => a.name);
  }

  arms(experiment: ExperimentRow): { name: string; weight: number; levels: readonly string[] | null }[] {
    const d = experiment.definition;
    return d.factors
      ? expandFactorial(d.factors).map((c) => ({ name: c.name, weight: c.weight, levels: c.levels }))
      : (d.arms ?? []).map((a) => ({ name: a.name, weight: a.weight, levels: null }));
  }

  /** Bucket table of the experiment's current definition, rebuilt when it changes. */
  assigner(experiment: ExperimentRow): Assigner {
    const version = new Date(experiment.updatedAt).getTime();
    const cached = this.assigners.get(experiment.id);
    if (cached && cached.version === version) return cached.assigner;
    const assigner = createAssigner({ key: experiment.key, ...experiment.definition });
    this.assigners.set(experiment.id, { version, assigner });
    return assigner;
  }

  private definitionOf(
    dto: Pick<UpdateExperimentDto, 'arms' | 'factors' | 'holdout'>,
    holdout?: StoredDefinition['holdout'],
  ): StoredDefinition {
    const definition: Record<string, unknown> = {};
    if (dto.arms !== undefined) definition.arms = dto.arms;
    if (dto.factors !== undefined) definition.factors = dto.factors;
    if (dto.holdout !== undefined) definition.holdout = dto.holdout;
    else if (holdout !== undefined) definition.holdout = holdout;
    return definition as StoredDefinition;
  }

  /** Every problem at once, each with its path: the definition's (experiment-definition.ts), then ours. */
  private validate(
    key: string,
    definition: StoredDefinition,
    fields: {
      primaryMetric?: unknown;
      guardrailMetrics?: unknown;
      startAt?: string;
      endAt?: string;
      winnerPolicy?: unknown;
    },
  ): void {
    const problems: FieldProblem[] = validateExperimentDefinition({ key, ...definition });
    if (!isMetric(fields.primaryMetric)) {
      problems.push({
        path: 'primaryMetric',
        message: `unknown metric "${String(fields.primaryMetric)}" (one of ${METRICS.join(', ')})`,
      });
    }
    if (Array.isArray(fields.guardrailMetrics)) {
      fields.guardrailMetrics.forEach((m: unknown, i) => {
        if (!isMetric(m)) {
          problems.push({
            path: `guardrailMetrics[${i}]`,
            message: `unknown metric "${String(m)}" (one of ${METRICS.join(', ')})`,
          });
        }
      });
    }
    const policy = fields.winnerPolicy ?? 'manual';
    if (!(WINNER_POLICIES as readonly unknown[]).includes(policy)) {
      problems.push({
        path: 'winnerPolicy',
        message: `unknown winner policy "${String(policy)}" (one of ${WINNER_POLICIES.join(', ')})`,
      });
    } else if (
      policy === 'auto' &&
      isMetric(fields.primaryMetric) &&
      !AUTO_PROMOTABLE_METRICS.includes(fields.primaryMetric as Metric)
    ) {
      problems.push({
        path: 'winnerPolicy',
        message: `automatic promotion needs a rate as primary metric (${AUTO_PROMOTABLE_METRICS.join(', ')}): the always-valid test is a test of rates`,
      });
    }
    if (fields.startAt && fields.endAt && new Date(fields.endAt) <= new Date(fields.startAt)) {
      problems.push({ path: 'endAt', message: 'must be after startAt' });
    }
    if (problems.length) throw ExperimentsException.invalid(problems);
  }
}
