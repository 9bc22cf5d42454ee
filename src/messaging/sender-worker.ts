import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { NotificationHub } from '../scheduler/notification-hub';
import { QueueDrainer } from '../scheduler/queue-drainer';
import { MESSAGES_CHANNEL } from './messages.service';
import { SendMessagesUseCase } from './send-messages.usecase';

/** Drains the outbox on processes with the `worker` role; the 1 s poll picks up retries and quiet-hour deferrals. */
@Injectable()
export class SenderWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private drainer?: QueueDrainer;

  constructor(
    private readonly notifications: NotificationHub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly send: SendMessagesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.includes('worker')) return;
    this.drainer = new QueueDrainer({
      notifications: this.notifications,
      channel: MESSAGES_CHANNEL,
      pollMs: 1000,
      drainOnce: () => this.send.executeOnce(),
      logger: this.logger,
      name: 'sender',
      // A batch spends most of its time waiting (guards, SMTP replies): overlapping batches keeps the pool busy.
      concurrency: 3,
    });
    await this.drainer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drainer?.stop();
  }
}
