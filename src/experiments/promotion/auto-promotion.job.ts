import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logging/logger.token';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.token';
import { LeaderLock } from '../../scheduler/leader-lock';
import { ExperimentResultsService } from '../experiment-results.service';
import { ExperimentsService } from '../experiments.service';
import { decideAutoWinner } from './auto-winner';

export interface AutoPromotionOutcome {
  experiment: string;
  /** The arm promoted by this check; null when nothing was promoted (see reason). */
  promoted: string | null;
  reason: string;
}

/**
 * Every 10 minutes, on one scheduler process at a time: each running experiment with `winnerPolicy: 'auto'` and
 * no winner yet is checked against its overall results (auto-winner.ts has the rules); a winner is promoted
 * with `promotedBy: 'auto'`, after which new customers are assigned to it.
 */
@Injectable()
export class AutoPromotionJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly lock: LeaderLock,
    private readonly experiments: ExperimentsService,
    private readonly results: ExperimentResultsService,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES, { name: 'experiments.auto-promote', waitForCompletion: true })
  async onSchedule(): Promise<void> {
    if (!this.config.roles.includes('scheduler')) return;
    await this.run().catch((error: Error) =>
      this.logger.error(
        { job: 'experiments.auto-promote', err: { message: error.message, stack: error.stack } },
        'automatic winner promotion failed',
      ),
    );
  }

  /** Undefined when another process holds the job's lock. */
  run(): Promise<AutoPromotionOutcome[] | undefined> {
    return this.lock.runExclusive('experiments.auto-promote', async () => {
      const outcomes: AutoPromotionOutcome[] = [];
      for (const key of await this.experiments.awaitingAutoPromotion()) outcomes.push(await this.check(key));
      const promoted = outcomes.filter((o) => o.promoted !== null);
      if (promoted.length)
        this.logger.info({ job: 'experiments.auto-promote', promoted }, 'winners promoted');
      return outcomes;
    });
  }

  /** One experiment's check; promotes only if it is still running, automatic and without a winner. */
  async check(ref: string): Promise<AutoPromotionOutcome> {
    const experiment = await this.experiments.get(ref);
    if (experiment.status !== 'running' || experiment.winnerPolicy !== 'auto' || experiment.winner !== null) {
      return {
        experiment: experiment.key,
        promoted: null,
        reason: `not eligible (status ${experiment.status}, policy ${experiment.winnerPolicy}, winner ${experiment.winner ?? 'none'})`,
      };
    }
    const results = await this.results.results(experiment.id, false);
    const decision = decideAutoWinner({
      minSamplePerArm: experiment.minSamplePerArm,
      arms: results.overall.arms,
      verdict: results.overall.verdict,
      guardrails: results.overall.guardrails,
    });
    if (decision.winner === null)
      return { experiment: experiment.key, promoted: null, reason: decision.reason };
    const updated = await this.experiments.promote(experiment.id, decision.winner, 'auto', true);
    return updated
      ? { experiment: experiment.key, promoted: decision.winner, reason: decision.reason }
      : { experiment: experiment.key, promoted: null, reason: 'a winner was promoted meanwhile' };
  }
}
