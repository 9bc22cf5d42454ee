import type { Logger } from 'pino';
import type { Notifications } from './notification-hub';

export interface QueueDrainerOptions {
  /** The process's notification hub (one LISTEN connection for every queue). */
  notifications: Notifications;
  /** NOTIFY channel that announces new work. */
  channel: string;
  /** Backup poll, also what picks up retries and deferrals that no notification announces. */
  pollMs: number;
  /** Claims and processes one batch; returns how many items it handled (0 = queue empty). */
  drainOnce: () => Promise<number>;
  logger: Logger;
  name: string;
  /**
   * Drains that may run at once in this process (default 1). More overlap one batch's round trips with another's;
   * a wake-up while all are busy still schedules one more pass.
   */
  concurrency?: number;
  /**
   * How many items a full claim holds. When set, a claim that handled fewer found the queue empty, and the drain
   * ends there instead of confirming it with an empty claim (a transaction per wake-up saved); an item committed
   * after that claim is announced by its own notification. Only for queues whose every producer notifies.
   */
  claimSize?: number;
}

/**
 * Drains a database work queue: woken by LISTEN/NOTIFY, with a poll as backup; a bounded number of drains at a
 * time per process, and a wake-up while they are all busy schedules one more pass. The queue table stays the source
 * of truth, so several drains, here or in other processes, can share it (their claims use FOR UPDATE SKIP LOCKED).
 */
export class QueueDrainer {
  private poll?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();
  private again = false;
  private stopped = false;

  constructor(private readonly options: QueueDrainerOptions) {}

  async start(): Promise<void> {
    const { notifications, channel, pollMs } = this.options;
    await notifications.subscribe(channel, () => this.wake());
    this.poll = setInterval(() => this.wake(), pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await Promise.all(this.running);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running.size >= (this.options.concurrency ?? 1)) {
      this.again = true;
      return;
    }
    const drain: Promise<void> = this.drain().finally(() => {
      this.running.delete(drain);
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
    this.running.add(drain);
  }

  private async drain(): Promise<void> {
    try {
      const { claimSize } = this.options;
      for (;;) {
        if (this.stopped) return;
        const handled = await this.options.drainOnce();
        if (handled === 0 || (claimSize !== undefined && handled < claimSize)) return;
      }
    } catch (error) {
      this.options.logger.error({ err: error, worker: this.options.name }, 'queue drain failed');
    }
  }
}
