import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuditActor } from '../common/audit/audit-log';
import { LOGGER } from '../common/logging/logger.token';
import { LeaderLock } from '../scheduler/leader-lock';
import { RefreshAllSegmentsUseCase } from '../segments/refresh-all.usecase';
import { AnalyticsException } from './analytics.exception';
import { ModelRecord, ModelsRepository, ModelView } from './models.repository';

export interface FitRunOptions {
  actor?: AuditActor;
  /** Store failed and non-converged attempts as model rows (default true). */
  recordFailures?: boolean;
}

/** What every model fit shares: one fit of a kind at a time, failures kept on record, segments refreshed after. */
@Injectable()
export class ModelFitRunner {
  constructor(
    private readonly lock: LeaderLock,
    private readonly models: ModelsRepository,
    private readonly refreshSegments: RefreshAllSegmentsUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(kind: 'clv' | 'churn', fit: () => Promise<ModelView>): Promise<ModelView> {
    const result = await this.lock.runExclusive(`model-fit:${kind}`, fit);
    if (!result) throw AnalyticsException.inProgress(kind);
    // Segments read scores: bring memberships (and their transitions) in line with the new model now.
    await this.refreshSegments.execute();
    return result;
  }

  async recordFailure(run: FitRunOptions, record: ModelRecord): Promise<string | undefined> {
    if (run.recordFailures === false) return undefined;
    const id = await this.models.insert(record);
    this.logger.warn(
      { modelId: id, kind: record.kind, status: record.status, error: record.error },
      'model fit failed',
    );
    return id;
  }
}
