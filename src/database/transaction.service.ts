import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Notifier } from './notifier';

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/** The one transaction helper: runs `work` in a transaction and retries it when PostgreSQL asks for a retry. */
@Injectable()
export class TransactionService {
  /** The channels to wake once a running transaction (by its manager) commits. */
  private readonly afterCommit = new WeakMap<EntityManager, Set<string>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: Notifier,
  ) {}

  /** `alsoRetryOn`: further SQLSTATE codes the caller knows a fresh attempt resolves. */
  async run<T>(
    work: (manager: EntityManager) => Promise<T>,
    alsoRetryOn: string[] = [],
    attempts = 5,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // Per attempt: a rolled-back attempt's notifications are dropped with its writes.
      const channels = new Set<string>();
      try {
        const result = await this.dataSource.transaction((manager) => {
          this.afterCommit.set(manager, channels);
          return work(manager);
        });
        for (const channel of channels) this.notifier.notify(channel);
        return result;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (!code || !(RETRYABLE.has(code) || alsoRetryOn.includes(code)) || attempt >= attempts) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  /**
   * Wakes `channel`'s listeners once the work done through `manager` is committed. Inside `run`, the NOTIFY is sent
   * after the commit (see Notifier: a NOTIFY inside a transaction serialises its commit with every other notifying
   * one, through the WAL flush). With any other manager it is sent in that manager's transaction, which PostgreSQL
   * delivers at its commit.
   */
  async notifyOnCommit(manager: EntityManager, channel: string): Promise<void> {
    const channels = this.afterCommit.get(manager);
    if (channels) channels.add(channel);
    else await manager.query(`SELECT pg_notify($1, '')`, [channel]);
  }
}
