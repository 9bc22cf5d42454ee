import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../common/logging/logger.token';
import { queryPrepared } from './prepared-query';

/**
 * Sends NOTIFY after a commit instead of inside the transaction. PostgreSQL (15) serialises the commits of all
 * notifying transactions of a database on one lock, held through the commit's WAL flush: with the NOTIFY inside
 * every ingest statement, single /v1/track calls queued behind each other's fsync (a third of their time in the
 * database was that lock wait) and could not share a flush. A notification here is a transaction of its own that
 * writes nothing durable, so it commits without waiting for the flush.
 *
 * Per channel, at most one NOTIFY is in flight; calls meanwhile are folded into one more, sent after it. Every
 * call is therefore followed by a NOTIFY that starts after the call, so a listener woken by it sees what the caller
 * committed before calling. A notification lost to a crash or an error only delays the work: the queues are
 * tables and their workers poll.
 */
@Injectable()
export class Notifier implements BeforeApplicationShutdown {
  /** Per channel with a NOTIFY in flight: whether calls came in meanwhile, and when the sending ends. */
  private readonly channels = new Map<string, { again: boolean; done?: Promise<void> }>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Wakes `channel`'s listeners; call it after the commit that queued their work. Never throws. */
  notify(channel: string): void {
    const sending = this.channels.get(channel);
    if (sending) {
      sending.again = true;
      return;
    }
    const state: { again: boolean; done?: Promise<void> } = { again: false };
    this.channels.set(channel, state);
    state.done = this.send(channel, state);
  }

  /** Resolves once every NOTIFY called for so far has been sent (or has failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.channels.values()].map((s) => s.done));
  }

  /**
   * Before the database connections close (TypeORM closes them on application shutdown): a NOTIFY still waiting
   * for a connection when the pool ends would never settle, and a command-line process waiting for it would end
   * with its event loop empty and exit code 0 instead of its own.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async send(channel: string, state: { again: boolean }): Promise<void> {
    do {
      state.again = false;
      try {
        // Prepared: sent about once per ingest write at 500 /v1/track calls/s, it was parsed and planned each time.
        await queryPrepared(
          this.dataSource.manager,
          `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')`,
          [channel],
        );
      } catch (error) {
        this.logger.warn(
          { err: error, channel },
          'NOTIFY failed; the workers will find the work when they poll',
        );
      }
    } while (state.again);
    this.channels.delete(channel);
  }
}
