import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CUSTOMER_CHANGES_CHANNEL } from '../ingestion/message';
import { ChangeListener } from './change-listener';
import { EvaluateChangesUseCase } from './evaluate-changes.usecase';

const POLL_MS = 2000;

/** Drains the customer_changes queue on processes with the `worker` role: woken by NOTIFY, with a slow poll as backup. */
@Injectable()
export class SegmentWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private listener?: ChangeListener;
  private poll?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly evaluate: EvaluateChangesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.includes('worker')) return;
    this.listener = new ChangeListener(
      this.config.databaseUrl!,
      CUSTOMER_CHANGES_CHANNEL,
      () => this.wake(),
      (error) => this.logger.warn({ err: error }, 'segment worker listener failed; reconnecting'),
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

  /** Runs one drain at a time; a wake-up during a drain schedules one more pass. */
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
      while (!this.stopped && (await this.evaluate.executeOnce()) > 0);
    } catch (error) {
      this.logger.error({ err: error }, 'incremental segment evaluation failed');
    }
  }
}
