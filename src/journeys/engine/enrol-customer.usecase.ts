import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { parseDuration } from '../graph/duration';
import type { PublishedVersion } from '../journey.types';
import { JOURNEY_RUNS_CHANNEL } from './advance-runs.usecase';
import { startNode } from './cart-check';
import type { RunContext } from './run-row';

export interface EnrolCommand {
  customerId: string;
  /** '' unless the trigger is keyed. */
  runKey: string;
  context: RunContext;
  at: Date;
  /** Where the run starts and when it first wakes; default the start node, now. */
  nodeId?: string;
  phase?: 'arrive' | 'parked';
  wakeAt?: Date;
}

export type EnrolResult = { enrolled: true; runId: string } | { enrolled: false; reason: string };

/**
 * Starts a run if the journey's re-entry policy allows it, in the caller's transaction. Enrolments of one customer
 * into one journey are serialised by a transaction-scoped advisory lock, so the policy check and the insert cannot
 * interleave with another process's; the partial unique index on live runs is the last word.
 */
@Injectable()
export class EnrolCustomerUseCase {
  async execute(
    manager: EntityManager,
    version: PublishedVersion,
    command: EnrolCommand,
  ): Promise<EnrolResult> {
    const { customerId, runKey, at } = command;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [
      version.journeyId,
      customerId,
    ]);
    const policy = version.definition.reentry ?? { policy: 'once' };
    if (policy.policy !== 'always') {
      const cooldownMs = policy.policy === 'cooldown' ? (parseDuration(policy.cooldown ?? '0s') ?? 0) : null;
      const [previous] = await manager.query(
        `SELECT entered_at FROM journey_runs WHERE journey_id = $1 AND customer_id = $2 AND run_key = $3
          ORDER BY entered_at DESC LIMIT 1`,
        [version.journeyId, customerId, runKey],
      );
      if (previous) {
        if (cooldownMs === null) return { enrolled: false, reason: 'entered before (re-entry: once)' };
        if (at.getTime() - new Date(previous.entered_at).getTime() < cooldownMs)
          return { enrolled: false, reason: `entered within the cooldown (${policy.cooldown})` };
      }
    }
    const id = randomUUID();
    const rows: unknown[] = await manager.query(
      `INSERT INTO journey_runs (id, journey_id, version, customer_id, run_key, status, node_id, phase, step,
                                 node_entered_at, wake_at, context, entered_at, updated_at)
       SELECT $1, $2, $3, $4, $5, 'active', $6, $7, 0, $8, $9, $10, $8, $8
        WHERE EXISTS (SELECT 1 FROM customers WHERE id = $4)
       ON CONFLICT (journey_id, customer_id, run_key) WHERE status IN ('active', 'waiting') DO NOTHING
       RETURNING id`,
      [
        id,
        version.journeyId,
        version.version,
        customerId,
        runKey,
        command.nodeId ?? startNode(version),
        command.phase ?? 'arrive',
        at,
        command.wakeAt ?? at,
        command.context,
      ],
    );
    if (!rows.length) return { enrolled: false, reason: 'already in the journey' };
    await manager.query(`SELECT pg_notify('${JOURNEY_RUNS_CHANNEL}', '')`);
    return { enrolled: true, runId: id };
  }
}
