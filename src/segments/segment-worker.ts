import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CUSTOMER_CHANGES_CHANNEL } from '../ingestion/message';
import { NotificationHub } from '../scheduler/notification-hub';
import { QueueDrainer } from '../scheduler/queue-drainer';
import { CHANGES_CLAIM, EvaluateChangesUseCase } from './evaluate-changes.usecase';

/** Drains the customer_changes queue on processes with the `worker` role. */
@Injectable()
export class SegmentWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private drainer?: QueueDrainer;

  constructor(
    private readonly notifications: NotificationHub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly evaluate: EvaluateChangesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.includes('worker')) return;
    this.drainer = new QueueDrainer({
      notifications: this.notifications,
      channel: CUSTOMER_CHANGES_CHANNEL,
      pollMs: 2000,
      drainOnce: () => this.evaluate.executeOnce(),
      // Ingestion, sends and journey steps all notify when they queue a customer.
      claimSize: CHANGES_CLAIM,
      logger: this.logger,
      name: 'segments',
    });
    await this.drainer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drainer?.stop();
  }
}
