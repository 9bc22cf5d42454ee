import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { ChangeListener } from '../segments/change-listener';
import { MESSAGES_CHANNEL } from './messages.service';
import { SendMessagesUseCase } from './send-messages.usecase';

const POLL_MS = 1000;

/** Drains the outbox on processes with the `worker` role: woken by NOTIFY on enqueue, polling for retries/deferrals. */
@Injectable()
export class SenderWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private listener?: ChangeListener;
  private poll?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly send: SendMessagesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.includes('worker')) return;
    this.listener = new ChangeListener(
      this.config.databaseUrl!,
      MESSAGES_CHANNEL,
      () => this.wake(),
      (error) => this.logger.warn({ err: error }, 'sender listener failed; reconnecting'),
    );
    await this.listener.start();
    this.poll = setInterval(() => this.wake(), POLL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.listener?.stop();
    await this.running;
  }

  /** One drain at a time; a wake-up during a drain schedules one more pass. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.send.executeOnce()) > 0);
    } catch (error) {
      this.logger.error({ err: error }, 'sending messages failed');
    }
  }
}
