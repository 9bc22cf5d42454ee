import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logging/logger.token';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.token';
import { NotificationHub } from '../../scheduler/notification-hub';
import { QueueDrainer } from '../../scheduler/queue-drainer';
import { AdvanceRunsUseCase, JOURNEY_RUNS_CHANNEL } from './advance-runs.usecase';
import { JOURNEY_INBOX_CHANNEL, ProcessInboxUseCase } from './process-inbox.usecase';

const RUN_CLAIMERS = 2;

/**
 * On processes with the `worker` role: drains the journey inbox and advances due runs, each woken by NOTIFY with a
 * poll as backup (the poll is also what notices timers coming due).
 */
@Injectable()
export class JourneyWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private drainers: QueueDrainer[] = [];

  constructor(
    private readonly notifications: NotificationHub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly inbox: ProcessInboxUseCase,
    private readonly runs: AdvanceRunsUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.includes('worker')) return;
    const common = { notifications: this.notifications, logger: this.logger };
    this.drainers = [
      new QueueDrainer({
        ...common,
        channel: JOURNEY_INBOX_CHANNEL,
        pollMs: 2000,
        drainOnce: () => this.inbox.executeOnce(),
        name: 'journey-inbox',
      }),
      new QueueDrainer({
        ...common,
        channel: JOURNEY_RUNS_CHANNEL,
        pollMs: this.config.journeyPollMs,
        drainOnce: () => this.runs.executeOnce(),
        name: 'journey-runs',
        // Claims are disjoint (SKIP LOCKED): a second claimer works while the first waits on the database. The
        // inbox stays single so that one customer's items are handled in order.
        concurrency: RUN_CLAIMERS,
      }),
    ];
    for (const d of this.drainers) await d.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.drainers.map((d) => d.stop()));
  }
}
