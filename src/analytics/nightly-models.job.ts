import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { AppException } from '../common/errors/app.exception';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { LeaderLock } from '../scheduler/leader-lock';
import { ChurnModelService } from './churn-model.service';
import { ClvModelService } from './clv-model.service';
import type { FitChurnDto, FitClvDto } from './models.dto';
import { ModelKind, ModelsRepository } from './models.repository';

export interface NightlyOutcome {
  kind: ModelKind;
  modelId?: string;
  status: 'fitted' | 'failed';
  error?: string;
}

/**
 * Nightly refit and rescoring of the CLV and churn models, on one scheduler process at a time. Each kind is
 * refitted with the options of its current model (calibration and cut-off moved to today) or the defaults.
 * A refit that fails leaves the current model in force; the attempt is recorded when a current model exists
 * (without one, "not enough data yet" is the normal state of a young install and is only logged).
 */
@Injectable()
export class NightlyModelsJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lock: LeaderLock,
    private readonly models: ModelsRepository,
    private readonly clv: ClvModelService,
    private readonly churn: ChurnModelService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Cron('0 30 2 * * *', { name: 'analytics-nightly-models', timeZone: 'UTC', waitForCompletion: true })
  async onSchedule(): Promise<void> {
    if (!this.config.roles.includes('scheduler')) return;
    await this.run().catch((error: Error) =>
      this.logger.error(
        { err: { message: error.message, stack: error.stack } },
        'nightly model refit failed',
      ),
    );
  }

  /** Undefined when another process holds the job's lock. */
  run(): Promise<NightlyOutcome[] | undefined> {
    return this.lock.runExclusive('analytics:nightly-models', async () => [
      await this.refit('clv', (dto, current) =>
        this.clv.fit(clvRefitOptions(dto), { recordFailures: current }),
      ),
      await this.refit('churn', (dto, current) =>
        this.churn.fit(churnRefitOptions(dto), { recordFailures: current }),
      ),
    ]);
  }

  private async refit(
    kind: ModelKind,
    fit: (options: Record<string, unknown>, hasCurrent: boolean) => Promise<{ id: string }>,
  ): Promise<NightlyOutcome> {
    const current = await this.models.current(kind);
    try {
      const model = await fit(current?.options ?? {}, current !== undefined);
      return { kind, modelId: model.id, status: 'fitted' };
    } catch (error) {
      if (!(error instanceof AppException)) throw error;
      this.logger.warn({ kind, code: error.code, error: error.message }, 'nightly model refit skipped');
      return { kind, status: 'failed', error: error.message };
    }
  }
}

/** The current model's options minus its calibration window: the refit calibrates up to today. */
export function clvRefitOptions(options: Record<string, unknown>): FitClvDto {
  const keep = ['model', 'horizonMonths', 'monthlyDiscount', 'unit', 'tiers', 'maxIterations'] as const;
  return Object.fromEntries(
    keep.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]),
  ) as FitClvDto;
}

/** The current model's options minus its cut-off, which moves to now − labelDays. */
export function churnRefitOptions(options: Record<string, unknown>): FitChurnDto {
  const keep = ['labelDays', 'engagementDays', 'holdoutShare', 'l2', 'seed'] as const;
  return Object.fromEntries(
    keep.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]),
  ) as FitChurnDto;
}
