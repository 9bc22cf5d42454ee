import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { LeaderLock } from '../scheduler/leader-lock';
import { RefreshAllSegmentsUseCase } from './refresh-all.usecase';

/**
 * Time passes without events ("no order in 30 days" becomes true at midnight), so every segment is also refreshed
 * in full on a schedule, by one scheduler process at a time.
 */
@Injectable()
export class SegmentScheduler {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly leader: LeaderLock,
    private readonly refreshAll: RefreshAllSegmentsUseCase,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES, { name: 'segments.refresh' })
  async refresh(): Promise<void> {
    if (!this.config.roles.includes('scheduler')) return;
    await this.leader.runExclusive('segments.refresh', async () => {
      const results = await this.refreshAll.execute();
      this.logger.info({ job: 'segments.refresh', segments: results.length }, 'segments refreshed');
    });
  }
}
