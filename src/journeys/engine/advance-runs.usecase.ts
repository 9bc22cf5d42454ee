import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { LOGGER } from '../../common/logging/logger.token';
import { Clock } from '../../database/clock';
import { TransactionService } from '../../database/transaction.service';
import { MessagesService } from '../../messaging/messages.service';
import type { JourneyNode } from '../graph/definition';
import { JourneyVersionsRepository } from '../journey-versions.repository';
import type { PublishedVersion } from '../journey.types';
import { CartCheck } from './cart-check';
import { FactsCache } from './facts-cache';
import { NodeExecutor, StepScope } from './node-executor';
import { PendingSends, SendTargetGone } from './pending-sends';
import { CART_NODE, NodeOutcome, RUN_ROW_COLUMNS, RunRow } from './run-row';
import { RunStep } from './run-step';
import { RunWrites } from './run-writes';
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
    private readonly messages: MessagesService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Advances one batch of due runs; returns how many it claimed (0 = none due). The batch's writes are gathered and
   * written in a few statements; if one of them finds a run's customer gone, the batch is redone run by run, each
   * in its own savepoint, so only that run fails.
   */
  async executeOnce(): Promise<number> {
    try {
      return await this.tx.run((manager) => this.batch(manager, false));
    } catch (error) {
      if (!(error instanceof SendTargetGone)) throw error;
      return this.tx.run((manager) => this.batch(manager, true));
    }
  }

  private async batch(manager: EntityManager, runByRun: boolean): Promise<number> {
    const now = this.clock.now();
    const runs = await claimDue(manager, now);
    if (!runs.length) return 0;
    // A version that cannot be read fails its own runs, below, not the batch.
    const versions = await Promise.all(
      runs.map((r) => this.versions.get(r.journeyId, r.version, manager).catch((e: Error) => e)),
    );
    const facts = new FactsCache();
    await facts.preload(
      manager,
      runs.flatMap((r, i) => {
        const version = versions[i];
        return version instanceof Error ? [] : [{ customerId: r.customerId, version }];
      }),
      now,
    );
    const scope: StepScope = { facts, sends: new PendingSends() };
    const log = new StepLog();
    const writes = new RunWrites();
    for (const [i, run] of runs.entries()) {
      const step = new RunStep(manager);
      try {
        if (runByRun) await step.savepoint();
        const version = versions[i];
        if (version instanceof Error) throw version;
        await this.advance(manager, run, version, now, scope, writes, log, step);
        if (runByRun) {
          await scope.sends.flush(manager, this.messages);
          await writes.flush(manager, now);
        }
        await step.release();
      } catch (error) {
        await step.rollback();
        log.discard(run.id);
        writes.discard(run.id);
        scope.sends.discard(run.id);
        facts.forget(run.customerId);
        await this.failed(manager, run, error, now);
      }
    }
    await scope.sends.flush(manager, this.messages);
    await writes.flush(manager, now);
    await log.flush(manager);
    return runs.length;
  }

  private async advance(
    manager: EntityManager,
    run: RunRow,
    version: PublishedVersion,
    now: Date,
    scope: StepScope,
    writes: RunWrites,
    log: StepLog,
    step: RunStep,
  ): Promise<void> {
    const byId = nodeIndex(version);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const node = byId.get(run.nodeId);
      if (touchesDatabase(run, node, scope.facts)) await step.savepoint();
      const outcome: NodeOutcome =
        run.nodeId === CART_NODE
          ? await this.cart.check(manager, run, version)
          : await this.nodes.execute(manager, run, node!, version, now, scope);
      if (outcome.kind === 'park') {
        writes.park(run, outcome.wakeAt, outcome.waitingFor ?? null);
        return;
      }
      log.add(run, outcome.outcome, outcome.detail ?? {}, now);
      if (outcome.kind === 'end' || outcome.to === null) {
        const status = outcome.kind === 'end' ? outcome.status : 'completed';
        const reason = outcome.kind === 'end' ? outcome.reason : 'end of path';
        writes.end(run, status, reason);
        return;
      }
      run.nodeId = outcome.to;
      run.phase = 'arrive';
      run.step += 1;
      run.nodeEnteredAt = now;
    }
    // Not reached for a validated graph; parks the run so the rest of the batch proceeds.
    writes.park(run, now, null, 'arrive');
  }

  private async failed(manager: EntityManager, run: RunRow, error: unknown, now: Date): Promise<void> {
    const attempts = run.attempts + 1;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ err: error, runId: run.id, nodeId: run.nodeId, attempts }, 'journey step failed');
    const final = attempts >= MAX_ATTEMPTS;
    await manager.query(
      `UPDATE journey_runs SET attempts = $2, last_error = $3, updated_at = $4,
              status = CASE WHEN $5 THEN 'failed' ELSE status END,
              ended_at = CASE WHEN $5 THEN $4::timestamptz END,
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

/** Nodes that query as they run: their run needs a savepoint, since a failed statement aborts the transaction. */
function touchesDatabase(run: RunRow, node: JourneyNode | undefined, facts: FactsCache): boolean {
  if (run.nodeId === CART_NODE || !node) return true;
  switch (node.type) {
    case 'update_customer':
      return true;
    case 'split':
      return !node.variants;
    case 'branch':
      return !facts.has(run.customerId);
    default:
      return false;
  }
}

/**
 * The due runs at the front of journey_runs_due_idx, claimed in wake_at order. The plan must be that ordered index
 * scan: when a campaign enrols 100,000 customers faster than autovacuum analyzes the table, the planner believes
 * the table is tiny and instead reads every due run, joins each to its customer and sorts them (1.6 s per claim of
 * 100 at 100,000 runs, measured). Sorting is ruled out for this one statement, and the customer is joined to the
 * claimed rows only. Runs of journeys that are not live are skipped where they stand, not claimed.
 */
async function claimDue(manager: EntityManager, now: Date): Promise<RunRow[]> {
  await manager.query('SET LOCAL enable_sort = off');
  const runs: RunRow[] = await manager.query(
    `WITH claimed AS (
       SELECT * FROM journey_runs
        WHERE status IN ('active', 'waiting') AND wake_at <= $1
          AND journey_id NOT IN (SELECT id FROM journeys WHERE status <> 'live')
        ORDER BY wake_at LIMIT ${CLAIM}
        FOR UPDATE SKIP LOCKED)
     SELECT ${RUN_ROW_COLUMNS} FROM claimed r JOIN customers c ON c.id = r.customer_id`,
    [now],
  );
  await manager.query('RESET enable_sort');
  return runs;
}
