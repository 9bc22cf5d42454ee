import type { Logger } from 'pino';
import { ChangeListener } from './change-listener';

export interface QueueDrainerOptions {
  databaseUrl: string;
  /** NOTIFY channel that announces new work. */
  channel: string;
  /** Backup poll, also what picks up retries and deferrals that no notification announces. */
  pollMs: number;
  /** Claims and processes one batch; returns how many items it handled (0 = queue empty). */
  drainOnce: () => Promise<number>;
  logger: Logger;
  name: string;
}

/**
 * Drains a database work queue: woken by LISTEN/NOTIFY, with a poll as backup; one drain at a time per process, and
 * a wake-up during a drain schedules one more pass. The queue table stays the source of truth, so several processes
 * can drain the same queue (their claims use FOR UPDATE SKIP LOCKED).
 */
export class QueueDrainer {
  private listener?: ChangeListener;
  private poll?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly options: QueueDrainerOptions) {}

  async start(): Promise<void> {
    const { databaseUrl, channel, pollMs, logger, name } = this.options;
    this.listener = new ChangeListener(
      databaseUrl,
      channel,
      () => this.wake(),
      (error) => logger.warn({ err: error, worker: name }, 'queue listener failed; reconnecting'),
    );
    await this.listener.start();
    this.poll = setInterval(() => this.wake(), pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.listener?.stop();
    await this.running;
  }

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
      while (!this.stopped && (await this.options.drainOnce()) > 0);
    } catch (error) {
      this.options.logger.error({ err: error, worker: this.options.name }, 'queue drain failed');
    }
  }
}
