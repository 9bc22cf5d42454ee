import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logging/logger.token';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.token';
import { Clock } from '../../database/clock';
import { TransactionService } from '../../database/transaction.service';
import { LeaderLock } from '../../scheduler/leader-lock';
import { JOURNEY_RUNS_CHANNEL } from '../engine/advance-runs.usecase';
import { startNode } from '../engine/cart-check';
import { JourneyVersionsRepository } from '../journey-versions.repository';

/**
 * Date triggers (birthday, signup anniversary ± days, at a local time): every minute, one scheduler process
 * starts the runs whose local date and time have come, keyed by the local year so each occurrence runs once.
 * Dates are compared as month-day text, so a trait never has to parse as a date (and a bad one never matches).
 */
@Injectable()
export class DateTriggerJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly leader: LeaderLock,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly versions: JourneyVersionsRepository,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'journeys.date-triggers' })
  async tick(): Promise<void> {
    if (!this.config.roles.includes('scheduler')) return;
    await this.leader.runExclusive('journeys.date-triggers', () => this.execute());
  }

  /** Starts every due date-triggered run; returns how many started. */
  async execute(): Promise<number> {
    const now = this.clock.now();
    let started = 0;
    for (const version of await this.versions.current()) {
      const t = version.definition.trigger;
      if (version.status !== 'live' || t.type !== 'date') continue;
      const [hour, minute] = (t.at ?? '09:00').split(':').map(Number);
      started += await this.tx.run(async (manager) => {
        const rows: unknown[] = await manager.query(
          `WITH due AS (
             SELECT c.id, (($1::timestamptz AT TIME ZONE coalesce(c.timezone, 'UTC'))) AS local FROM customers c
              WHERE c.traits ? $2)
           INSERT INTO journey_runs (id, journey_id, version, customer_id, run_key, status, node_id, phase, step,
                                     node_entered_at, wake_at, context, entered_at, updated_at)
           SELECT gen_random_uuid(), $3, $4, d.id, to_char(d.local, 'YYYY'), 'active', $5, 'arrive', 0, $1, $1,
                  jsonb_build_object('event', jsonb_build_object('trait', $2::text, 'date', c.traits ->> $2)), $1, $1
             FROM due d JOIN customers c ON c.id = d.id
            WHERE substr(c.traits ->> $2, 6, 5) = to_char(d.local::date - $6::int, 'MM-DD')
              AND d.local::time >= make_time($7, $8, 0)
              AND NOT EXISTS (SELECT 1 FROM journey_runs r WHERE r.journey_id = $3 AND r.customer_id = d.id
                                 AND r.run_key = to_char(d.local, 'YYYY'))
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            now,
            t.trait,
            version.journeyId,
            version.version,
            startNode(version),
            t.offsetDays ?? 0,
            hour,
            minute,
          ],
        );
        if (rows.length) await this.tx.notifyOnCommit(manager, JOURNEY_RUNS_CHANNEL);
        return rows.length;
      });
    }
    if (started) this.logger.info({ job: 'journeys.date-triggers', started }, 'date-triggered runs started');
    return started;
  }
}
