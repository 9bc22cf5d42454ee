import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { LOGGER } from '../../common/logging/logger.token';
import { Clock } from '../../database/clock';
import { TransactionService } from '../../database/transaction.service';
import type { JourneyNode } from '../graph/definition';
import { JourneyVersionsRepository } from '../journey-versions.repository';
import type { PublishedVersion } from '../journey.types';
import { CartCheck } from './cart-check';
import { NodeExecutor } from './node-executor';
import { CART_NODE, NodeOutcome, RUN_ROW_COLUMNS, RunRow } from './run-row';
import { StepLog } from './step-log';

export const JOURNEY_RUNS_CHANNEL = 'waymark_journey_runs';
/** Runs claimed per transaction. */
const CLAIM = 100;
/** Node visits per run per claim: a guard against a path that would never park (validation forbids it). */
const MAX_HOPS = 200;
/** A step that throws is retried this many times, backing off, before the run is marked failed. */
const MAX_ATTEMPTS = 5;

/**
 * Advances due runs: claims them with FOR UPDATE SKIP LOCKED, runs node after node until each run parks (a wait)
 * or ends, and writes the run's new position, its timeline and whatever the nodes produced in the same
 * transaction. A crash anywhere rolls the claim back and another worker replays the step from the start; the
 * outbox's idempotency key (run, node, step) is a second guard against a double send.
 */
@Injectable()
export class AdvanceRunsUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly versions: JourneyVersionsRepository,
    private readonly nodes: NodeExecutor,
    private readonly cart: CartCheck,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Advances one batch of due runs; returns how many it claimed (0 = none due). */
  async executeOnce(): Promise<number> {
    return this.tx.run(async (manager) => {
      const now = this.clock.now();
      const runs: RunRow[] = await manager.query(
        `SELECT ${RUN_ROW_COLUMNS}
           FROM journey_runs r JOIN customers c ON c.id = r.customer_id
          WHERE r.status IN ('active', 'waiting') AND r.wake_at <= $1
            AND r.journey_id IN (SELECT id FROM journeys WHERE status = 'live')
          ORDER BY r.wake_at LIMIT ${CLAIM}
          FOR UPDATE OF r SKIP LOCKED`,
        [now],
      );
      const log = new StepLog();
      for (const run of runs) {
        await manager.query('SAVEPOINT run_step');
        try {
          await this.advance(manager, run, now, log);
          await manager.query('RELEASE SAVEPOINT run_step');
        } catch (error) {
          await manager.query('ROLLBACK TO SAVEPOINT run_step');
          log.discard(run.id);
          await this.failed(manager, run, error, now);
        }
      }
      await log.flush(manager);
      return runs.length;
    });
  }

  private async advance(manager: EntityManager, run: RunRow, now: Date, log: StepLog): Promise<void> {
    const version = await this.versions.get(run.journeyId, run.version, manager);
    const byId = nodeIndex(version);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const outcome: NodeOutcome =
        run.nodeId === CART_NODE
          ? await this.cart.check(manager, run, version)
          : await this.nodes.execute(manager, run, byId.get(run.nodeId)!, version, now);
      if (outcome.kind === 'park') {
        await manager.query(
          `UPDATE journey_runs SET status = $2, node_id = $3, phase = 'parked', step = $4, node_entered_at = $5,
                  wake_at = $6, waiting_for = $7, context = $8, attempts = 0, last_error = NULL, updated_at = $9
            WHERE id = $1`,
          [
            run.id,
            outcome.waitingFor ? 'waiting' : 'active',
            run.nodeId,
            run.step,
            run.nodeEnteredAt,
            outcome.wakeAt,
            outcome.waitingFor ?? null,
            run.context,
            now,
          ],
        );
        return;
      }
      log.add(run, outcome.outcome, outcome.detail ?? {}, now);
      if (outcome.kind === 'end' || outcome.to === null) {
        const status = outcome.kind === 'end' ? outcome.status : 'completed';
        const reason = outcome.kind === 'end' ? outcome.reason : 'end of path';
        await manager.query(
          `UPDATE journey_runs SET status = $2, end_reason = $3, ended_at = $4, updated_at = $4, wake_at = NULL,
                  waiting_for = NULL, step = $5, context = $6, attempts = 0, last_error = NULL
            WHERE id = $1`,
          [run.id, status, reason, now, run.step, run.context],
        );
        return;
      }
      run.nodeId = outcome.to;
      run.phase = 'arrive';
      run.step += 1;
      run.nodeEnteredAt = now;
    }
    // Not reached for a validated graph; parks the run so the rest of the batch proceeds.
    await manager.query(
      `UPDATE journey_runs SET node_id = $2, phase = 'arrive', step = $3, node_entered_at = $4, wake_at = $4,
              context = $5, updated_at = $4 WHERE id = $1`,
      [run.id, run.nodeId, run.step, now, run.context],
    );
  }

  private async failed(manager: EntityManager, run: RunRow, error: unknown, now: Date): Promise<void> {
    const attempts = run.attempts + 1;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ err: error, runId: run.id, nodeId: run.nodeId, attempts }, 'journey step failed');
    const final = attempts >= MAX_ATTEMPTS;
    await manager.query(
      `UPDATE journey_runs SET attempts = $2, last_error = $3, updated_at = $4,
              status = CASE WHEN $5 THEN 'failed' ELSE status END,
              ended_at = CASE WHEN $5 THEN $4 END,
              end_reason = CASE WHEN $5 THEN 'step failed' END,
              wake_at = CASE WHEN $5 THEN NULL ELSE $4::timestamptz + make_interval(secs => $6) END
        WHERE id = $1`,
      [run.id, attempts, message.slice(0, 1000), now, final, 2 ** attempts],
    );
  }
}

const indexes = new WeakMap<PublishedVersion, Map<string, JourneyNode>>();

function nodeIndex(version: PublishedVersion): Map<string, JourneyNode> {
  let index = indexes.get(version);
  if (!index) {
    index = new Map(version.definition.nodes.map((n) => [n.id, n]));
    indexes.set(version, index);
  }
  return index;
}
