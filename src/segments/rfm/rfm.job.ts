import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import type { RfmOptions } from '../../analytics/rfm';
import { LOGGER } from '../../common/logging/logger.token';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.token';
import { LeaderLock } from '../../scheduler/leader-lock';
import { RefreshAllSegmentsUseCase } from '../refresh-all.usecase';
import { ScoreRfmUseCase } from './score-rfm.usecase';

/** RFM scoring followed by a refresh of every segment (segments read scores), nightly and on demand. */
@Injectable()
export class RfmJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly leader: LeaderLock,
    private readonly score: ScoreRfmUseCase,
    private readonly refreshAll: RefreshAllSegmentsUseCase,
  ) {}

  async run(options: RfmOptions = {}) {
    const rfm = await this.score.execute(options);
    const segments = await this.refreshAll.execute();
    return { ...rfm, segmentsRefreshed: segments.length };
  }

  @Cron(CronExpression.EVERY_DAY_AT_2AM, { name: 'rfm.score' })
  async nightly(): Promise<void> {
    if (!this.config.roles.includes('scheduler')) return;
    await this.leader.runExclusive('rfm.score', async () => {
      const result = await this.run();
      this.logger.info({ job: 'rfm.score', scored: result.scored, ms: result.ms }, 'RFM scores recomputed');
    });
  }
}
