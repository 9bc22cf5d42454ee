import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { recordAudit } from '../common/audit/audit-log';
import { LOGGER } from '../common/logging/logger.token';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { AnalyticsErrorCode, AnalyticsException } from './analytics.exception';
import { FitRunOptions, ModelFitRunner } from './model-fit-runner';
import {
  CalibrationWindow,
  CalibrationWindowError,
  checkWindowAgainstData,
  resolveCalibrationWindow,
} from './clv-model/calibration-window';
import {
  ClvCustomer,
  ClvModelFit,
  ClvSettings,
  DEFAULT_CLV_SETTINGS,
  daysToUnits,
  fitClvModel,
  holdoutCheck,
  observationFromDays,
  scoreClvCustomers,
  summarizeTiers,
} from './clv-model/clv-model';
import { ClvFitError, ClvFitErrorCode } from './clv/fit-errors';
import { ModelScoresRepository } from './model-scores.repository';
import type { FitClvDto } from './models.dto';
import { ModelRecord, ModelsRepository, ModelView } from './models.repository';
import { OrderHistoryRepository } from './order-history.repository';

export type { FitRunOptions } from './model-fit-runner';

/** The options a CLV model is stored with: everything needed to refit it the same way. */
export type ClvModelOptions = ClvSettings & { calibrationEnd: string; holdoutEnd?: string };

/**
 * Fits and publishes CLV models: order summaries from SQL, the pure fit and scoring, then one transaction that
 * writes every score, records tier changes and makes the model current. Until that commits the previous model
 * stays in force; a fit that fails or does not converge is stored as such and never becomes current.
 */
@Injectable()
export class ClvModelService {
  constructor(
    private readonly history: OrderHistoryRepository,
    private readonly models: ModelsRepository,
    private readonly scores: ModelScoresRepository,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly runner: ModelFitRunner,
  ) {}

  fit(dto: FitClvDto, run: FitRunOptions = {}): Promise<ModelView> {
    return this.runner.run('clv', () => this.fitExclusive(dto, run));
  }

  private async fitExclusive(dto: FitClvDto, run: FitRunOptions): Promise<ModelView> {
    const settings = resolveClvSettings(dto);
    const window = resolveWindow(dto, this.clock.now());
    const options: ClvModelOptions = {
      ...settings,
      calibrationEnd: window.calibrationEnd,
      ...(window.holdoutEnd && { holdoutEnd: window.holdoutEnd }),
    };

    const timings = { loadMs: 0, fitMs: 0, scoreMs: 0, writeMs: 0 };
    let customers: ClvCustomer[];
    let customerIds: string[];
    let fit: ClvModelFit;
    try {
      let started = performance.now();
      checkWindowAgainstData(window, await this.history.orderSpan());
      const rows = await this.history.orderDays(window.calibrationEnd, window.holdoutEnd);
      customerIds = rows.map((r) => r.customerId);
      customers = rows.map((r) => ({
        ...observationFromDays(r.x, r.txDays, r.ageDays, settings.unit),
        monetary: r.x > 0 ? r.repeatTotal / r.x : 0,
        ...(window.holdoutEnd && { holdoutFrequency: r.holdoutDays }),
      }));
      timings.loadMs = performance.now() - started;
      started = performance.now();
      fit = fitClvModel(customers, settings);
      timings.fitMs = performance.now() - started;
    } catch (error) {
      throw await this.failed(error, options, timings, run);
    }

    const stored = storedFit(fit);
    if (!fit.converged) {
      const which = [!fit.count.converged && 'count', !fit.spend.converged && 'spend']
        .filter(Boolean)
        .join(' and ');
      const id = await this.runner.recordFailure(run, {
        ...stored,
        kind: 'clv',
        status: 'not_converged',
        options,
        fitMs: timings.fitMs,
        diagnostics: { ...stored.diagnostics, timings },
        error: `the ${which} model optimiser did not converge`,
      });
      throw new AnalyticsException(
        AnalyticsErrorCode.MODEL_NOT_CONVERGED,
        `The ${which} model fit did not converge${id ? ` (stored as model ${id}, status not_converged)` : ''}; ` +
          'the current model stays in force',
      );
    }

    let scored: ReturnType<typeof scoreClvCustomers>;
    let holdout: ReturnType<typeof holdoutCheck> | undefined;
    try {
      const started = performance.now();
      scored = scoreClvCustomers(customers, fit, settings);
      if (window.holdoutDays !== undefined) {
        holdout = holdoutCheck(customers, fit, daysToUnits(window.holdoutDays, settings.unit));
      }
      timings.scoreMs = performance.now() - started;
    } catch (error) {
      throw await this.failed(error, options, timings, run, stored);
    }

    const started = performance.now();
    const now = this.clock.now();
    const published = await this.tx.run(async (manager) => {
      // Publications of one kind queue up here, so each sees the scores of the one before.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('models:publish:clv', 0))`);
      const previousId = await this.models.lockCurrent(manager, 'clv');
      const diagnostics = {
        ...stored.diagnostics,
        ...(holdout && { holdout }),
        tiers: summarizeTiers(scored.clv, scored.tiers),
        patterns: scored.patterns,
        previousModelId: previousId ?? null,
      };
      const id = await this.models.insert(
        {
          ...stored,
          kind: 'clv',
          status: 'fitted',
          options,
          fitMs: timings.fitMs,
          scoreMs: timings.scoreMs,
          diagnostics,
        },
        manager,
      );
      const result = await this.scores.publishClv(
        manager,
        id,
        previousId !== undefined,
        {
          customerIds,
          clv: scored.clv,
          tiers: scored.tiers,
          pAlive: scored.pAlive,
          expectedPurchases: scored.expectedPurchases,
          expectedAov: scored.expectedAov,
        },
        now,
      );
      await this.models.makeCurrent(manager, 'clv', id);
      timings.writeMs = performance.now() - started;
      await manager.query(`UPDATE models SET diagnostics = diagnostics || $2 WHERE id = $1`, [
        id,
        JSON.stringify({ timings, published: result }),
      ]);
      await recordAudit(manager, run.actor, {
        action: 'model.fitted',
        subjectType: 'model',
        subjectId: id,
        details: {
          kind: 'clv',
          model: settings.model,
          customers: result.scored,
          transitions: result.transitions,
        },
      });
      return { id, ...result };
    });
    this.logger.info(
      {
        modelId: published.id,
        kind: 'clv',
        customers: published.scored,
        transitions: published.transitions,
        timings,
      },
      'clv model fitted and published',
    );
    return this.models.get(published.id);
  }

  /** Records a failed attempt (when asked to) and turns the error into the API's 422. */
  private async failed(
    error: unknown,
    options: ClvModelOptions,
    timings: Record<string, number>,
    run: FitRunOptions,
    stored?: Omit<ModelRecord, 'kind' | 'status' | 'options'>,
  ): Promise<unknown> {
    let exception: AnalyticsException;
    let status: 'failed' | 'not_converged' = 'failed';
    if (error instanceof CalibrationWindowError) {
      exception = new AnalyticsException(
        error.reason === 'outside_data'
          ? AnalyticsErrorCode.CALIBRATION_OUTSIDE_DATA
          : AnalyticsErrorCode.INVALID_MODEL_OPTIONS,
        error.message,
      );
    } else if (error instanceof ClvFitError) {
      exception = AnalyticsException.fromClvFit(error);
      if (error.code === ClvFitErrorCode.NotConverged) status = 'not_converged';
    } else {
      return error;
    }
    await this.runner.recordFailure(run, {
      ...stored,
      kind: 'clv',
      status,
      options,
      diagnostics: { ...(stored?.diagnostics ?? {}), timings },
      error: exception.message,
    });
    return exception;
  }
}

export function resolveClvSettings(dto: FitClvDto): ClvSettings {
  const tiers = {
    high: dto.tiers?.high ?? DEFAULT_CLV_SETTINGS.tiers.high,
    medium: dto.tiers?.medium ?? DEFAULT_CLV_SETTINGS.tiers.medium,
  };
  if (tiers.high + tiers.medium > 1 + 1e-12) {
    throw new AnalyticsException(
      AnalyticsErrorCode.INVALID_MODEL_OPTIONS,
      `tiers.high + tiers.medium must be at most 1 (got ${tiers.high} + ${tiers.medium})`,
    );
  }
  return {
    model: dto.model ?? DEFAULT_CLV_SETTINGS.model,
    horizonMonths: dto.horizonMonths ?? DEFAULT_CLV_SETTINGS.horizonMonths,
    monthlyDiscount: dto.monthlyDiscount ?? DEFAULT_CLV_SETTINGS.monthlyDiscount,
    unit: dto.unit ?? DEFAULT_CLV_SETTINGS.unit,
    tiers,
    ...(dto.maxIterations !== undefined && { maxIterations: dto.maxIterations }),
  };
}

function resolveWindow(dto: FitClvDto, now: Date): CalibrationWindow {
  try {
    return resolveCalibrationWindow(dto, now);
  } catch (error) {
    if (error instanceof CalibrationWindowError) {
      throw new AnalyticsException(AnalyticsErrorCode.INVALID_MODEL_OPTIONS, error.message);
    }
    throw error;
  }
}

/** The parts of a fit that are stored, JSON-ready, in the shape GET /v1/models/:id shows. */
function storedFit(
  fit: ClvModelFit,
): Omit<ModelRecord, 'kind' | 'status' | 'options'> & { diagnostics: object } {
  const spend = fit.spend;
  return {
    params: { [fit.model]: fit.count.params, gammaGamma: spend.params },
    standardErrors: { [fit.model]: fit.count.standardErrors, gammaGamma: spend.standardErrors },
    logLikelihood: fit.count.logLikelihood,
    sampleSize: fit.sampleSize,
    repeatBuyers: fit.repeatBuyers,
    diagnostics: {
      count: {
        model: fit.model,
        logLikelihood: fit.count.logLikelihood,
        converged: fit.count.converged,
        atBound: fit.count.atBound,
        iterations: fit.count.iterations,
        evaluations: fit.count.evaluations,
      },
      gammaGamma: {
        logLikelihood: spend.logLikelihood,
        customers: spend.customers,
        converged: spend.converged,
        atBound: spend.atBound,
        frequencyMonetaryCorrelation: spend.frequencyMonetaryCorrelation,
        excludedNonPositiveMonetary: spend.excludedNonPositiveMonetary,
      },
      warnings: fit.warnings,
    },
  };
}
