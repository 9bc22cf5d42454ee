import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { recordAudit } from '../common/audit/audit-log';
import { LOGGER } from '../common/logging/logger.token';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { AnalyticsErrorCode, AnalyticsException } from './analytics.exception';
import {
  CHURN_FEATURES,
  ChurnDataError,
  ChurnTraining,
  DEFAULT_CHURN_SETTINGS,
  scoreChurn,
  trainChurnModel,
} from './churn/churn-model';
import { FitRunOptions, ModelFitRunner } from './model-fit-runner';
import { ModelScoresRepository } from './model-scores.repository';
import type { FitChurnDto } from './models.dto';
import { ModelRecord, ModelsRepository, ModelView } from './models.repository';
import { OrderHistoryRepository } from './order-history.repository';

const DAY_MS = 86_400_000;

export interface ChurnModelOptions {
  labelDays: number;
  /** ISO timestamp of the training cut-off. */
  cutoff: string;
  engagementDays: number;
  holdoutShare: number;
  l2: number;
  seed: number;
}

/**
 * Fits the churn propensity model on a time split (features before the cut-off, label = no order in the
 * following labelDays), evaluates it on held-out customers, and publishes P(churn) computed from features as
 * of now into customer_scores.churn_probability — in one transaction with making the model current.
 */
@Injectable()
export class ChurnModelService {
  constructor(
    private readonly history: OrderHistoryRepository,
    private readonly models: ModelsRepository,
    private readonly scores: ModelScoresRepository,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly runner: ModelFitRunner,
  ) {}

  fit(dto: FitChurnDto, run: FitRunOptions = {}): Promise<ModelView> {
    return this.runner.run('churn', () => this.fitExclusive(dto, run));
  }

  private async fitExclusive(dto: FitChurnDto, run: FitRunOptions): Promise<ModelView> {
    const now = this.clock.now();
    const options = resolveChurnOptions(dto, now);
    const cutoff = new Date(options.cutoff);
    const timings = { loadMs: 0, fitMs: 0, scoreMs: 0, writeMs: 0 };

    let started = performance.now();
    const labelled = await this.history.labelledChurnFeatures(
      cutoff,
      options.engagementDays,
      options.labelDays,
    );
    timings.loadMs = performance.now() - started;
    let training: ChurnTraining;
    try {
      started = performance.now();
      training = trainChurnModel(labelled, { ...DEFAULT_CHURN_SETTINGS, ...options });
      timings.fitMs = performance.now() - started;
    } catch (error) {
      if (!(error instanceof ChurnDataError)) throw error;
      const exception = new AnalyticsException(AnalyticsErrorCode.INSUFFICIENT_TRAINING_DATA, error.message);
      await this.runner.recordFailure(run, {
        kind: 'churn',
        status: 'failed',
        options,
        sampleSize: labelled.length,
        diagnostics: { timings },
        error: exception.message,
      });
      throw exception;
    }

    const stored = storedTraining(training, options);
    if (!training.model.converged) {
      const id = await this.runner.recordFailure(run, {
        ...stored,
        kind: 'churn',
        status: 'not_converged',
        options,
        fitMs: timings.fitMs,
        error: `logistic regression did not converge: ${training.model.message}`,
      });
      throw new AnalyticsException(
        AnalyticsErrorCode.MODEL_NOT_CONVERGED,
        `The churn model did not converge (${training.model.message})` +
          `${id ? `; stored as model ${id}, status not_converged` : ''}; the current model stays in force`,
      );
    }

    started = performance.now();
    const current = await this.history.churnFeatures(now, options.engagementDays);
    const probabilities = scoreChurn(training, current);
    timings.scoreMs = performance.now() - started;

    started = performance.now();
    const published = await this.tx.run(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('models:publish:churn', 0))`);
      const previousId = await this.models.lockCurrent(manager, 'churn');
      const id = await this.models.insert(
        {
          ...stored,
          kind: 'churn',
          status: 'fitted',
          options,
          fitMs: timings.fitMs,
          scoreMs: timings.scoreMs,
          diagnostics: { ...stored.diagnostics, previousModelId: previousId ?? null },
        },
        manager,
      );
      const result = await this.scores.publishChurn(
        manager,
        id,
        { customerIds: current.map((r) => r.customerId), probabilities },
        now,
      );
      await this.models.makeCurrent(manager, 'churn', id);
      timings.writeMs = performance.now() - started;
      await manager.query(`UPDATE models SET diagnostics = diagnostics || $2 WHERE id = $1`, [
        id,
        JSON.stringify({ timings, published: result }),
      ]);
      await recordAudit(manager, run.actor, {
        action: 'model.fitted',
        subjectType: 'model',
        subjectId: id,
        details: { kind: 'churn', customers: result.scored },
      });
      return { id, ...result };
    });
    this.logger.info(
      { modelId: published.id, kind: 'churn', customers: published.scored, timings },
      'churn model fitted and published',
    );
    return this.models.get(published.id);
  }
}

export function resolveChurnOptions(dto: FitChurnDto, now: Date): ChurnModelOptions {
  const labelDays = dto.labelDays ?? 90;
  const cutoff =
    dto.cutoff === undefined ? new Date(now.getTime() - labelDays * DAY_MS) : new Date(dto.cutoff);
  if (Number.isNaN(cutoff.getTime())) {
    throw new AnalyticsException(
      AnalyticsErrorCode.INVALID_MODEL_OPTIONS,
      `cutoff is not a date: ${dto.cutoff}`,
    );
  }
  if (cutoff.getTime() + labelDays * DAY_MS > now.getTime()) {
    throw new AnalyticsException(
      AnalyticsErrorCode.INVALID_MODEL_OPTIONS,
      `the label window (cutoff ${cutoff.toISOString()} + ${labelDays} days) must end by now (${now.toISOString()})`,
    );
  }
  return {
    labelDays,
    cutoff: cutoff.toISOString(),
    engagementDays: dto.engagementDays ?? 90,
    holdoutShare: dto.holdoutShare ?? DEFAULT_CHURN_SETTINGS.holdoutShare,
    l2: dto.l2 ?? DEFAULT_CHURN_SETTINGS.l2,
    seed: dto.seed ?? DEFAULT_CHURN_SETTINGS.seed,
  };
}

function storedTraining(
  training: ChurnTraining,
  options: ChurnModelOptions,
): Omit<ModelRecord, 'kind' | 'status' | 'options'> & { diagnostics: object } {
  const { model, evaluation } = training;
  const byFeature = (values: number[]) => Object.fromEntries(CHURN_FEATURES.map((f, j) => [f, values[j]]));
  return {
    params: {
      target: `no Order Completed within ${options.labelDays} days`,
      intercept: model.intercept,
      coefficients: byFeature(model.coefficients),
      features: CHURN_FEATURES,
      transform: training.transform,
    },
    standardErrors: { intercept: model.standardErrors[0], ...byFeature(model.standardErrors.slice(1)) },
    logLikelihood: model.logLikelihood,
    sampleSize: evaluation.trainSize + evaluation.testSize,
    diagnostics: {
      auc: evaluation.auc,
      trainAuc: evaluation.trainAuc,
      calibration: evaluation.calibration.bins,
      expectedCalibrationError: evaluation.calibration.expectedCalibrationError,
      brierScore: evaluation.brierScore,
      logLoss: evaluation.logLoss,
      trainSize: evaluation.trainSize,
      testSize: evaluation.testSize,
      trainChurnRate: evaluation.trainChurnRate,
      testChurnRate: evaluation.testChurnRate,
      iterations: model.iterations,
      cutoff: options.cutoff,
      labelEnd: new Date(new Date(options.cutoff).getTime() + options.labelDays * DAY_MS).toISOString(),
    },
  };
}
