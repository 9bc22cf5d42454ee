import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CUSTOMER_CHANGES_CHANNEL } from '../ingestion/message';
import { QueueDrainer } from '../scheduler/queue-drainer';
import { CLAIM, EvaluateChangesUseCase } from './evaluate-changes.usecase';

/** Drains the customer_changes queue on processes with the `worker` role. */
@Injectable()
export class SegmentWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private drainer?: QueueDrainer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly evaluate: EvaluateChangesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.includes('worker')) return;
    this.drainer = new QueueDrainer({
      databaseUrl: this.config.databaseUrl!,
      channel: CUSTOMER_CHANGES_CHANNEL,
      pollMs: 2000,
      // A claim smaller than a full batch emptied the queue: report it empty rather than pay one more claim
      // transaction; anything queued meanwhile was announced by a notification, which schedules another pass.
      drainOnce: async () => {
        const n = await this.evaluate.executeOnce();
        return n < CLAIM ? 0 : n;
      },
      logger: this.logger,
      name: 'segments',
    });
    await this.drainer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drainer?.stop();
  }
}
