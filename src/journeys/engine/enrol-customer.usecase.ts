import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { TransactionService } from '../../database/transaction.service';
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

export interface EnrolEntry {
  version: PublishedVersion;
  command: EnrolCommand;
}

/**
 * Starts a run if the journey's re-entry policy allows it, in the caller's transaction. Enrolments of one customer
 * into one journey are serialised by a transaction-scoped advisory lock, so the policy check and the insert cannot
 * interleave with another process's; the partial unique index on live runs is the last word.
 */
@Injectable()
export class EnrolCustomerUseCase {
  constructor(private readonly tx: TransactionService) {}

  async execute(
    manager: EntityManager,
    version: PublishedVersion,
    command: EnrolCommand,
  ): Promise<EnrolResult> {
    const [result] = await this.executeMany(manager, [{ version, command }]);
    return result;
  }

  /**
   * Many enrolments in four statements, with the outcome each would have had one after the other: of several
   * entries for the same journey, customer and key, only the first can start a run. Locks are taken in
   * (customer, journey) order, the order in which the inbox handles its items.
   */
  async executeMany(manager: EntityManager, entries: EnrolEntry[]): Promise<EnrolResult[]> {
    const results: EnrolResult[] = new Array(entries.length);
    const keyOf = (e: EnrolEntry) => `${e.version.journeyId}\n${e.command.customerId}\n${e.command.runKey}`;
    const first = new Map<string, number>();
    for (const [i, e] of entries.entries()) {
      const key = keyOf(e);
      if (first.has(key)) results[i] = { enrolled: false, reason: refusal(e.version) };
      else first.set(key, i);
    }
    const candidates = [...first.values()].map((i) => ({ i, e: entries[i] }));
    if (!candidates.length) return results;
    const pairs = [
      ...new Map(
        candidates.map(({ e }) => [
          `${e.command.customerId}\n${e.version.journeyId}`,
          [e.command.customerId, e.version.journeyId],
        ]),
      ).values(),
    ].sort(([c1, j1], [c2, j2]) => c1.localeCompare(c2) || j1.localeCompare(j2));
    await manager.query(
      `SELECT pg_advisory_xact_lock(hashtext(u.j), hashtext(u.c))
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(c, j, n) ORDER BY u.n`,
      [pairs.map(([c]) => c), pairs.map(([, j]) => j)],
    );
    const checked = candidates.filter(({ e }) => policyOf(e.version).policy !== 'always');
    const previous = new Map<string, Date>();
    if (checked.length) {
      const rows: { j: string; c: string; k: string; at: Date }[] = await manager.query(
        `SELECT DISTINCT ON (r.journey_id, r.customer_id, r.run_key)
                r.journey_id AS j, r.customer_id AS c, r.run_key AS k, r.entered_at AS at
           FROM journey_runs r
           JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS u(j, c, k)
             ON r.journey_id = u.j AND r.customer_id = u.c AND r.run_key = u.k
          ORDER BY r.journey_id, r.customer_id, r.run_key, r.entered_at DESC`,
        [
          checked.map(({ e }) => e.version.journeyId),
          checked.map(({ e }) => e.command.customerId),
          checked.map(({ e }) => e.command.runKey),
        ],
      );
      for (const r of rows) previous.set(`${r.j}\n${r.c}\n${r.k}`, new Date(r.at));
    }
    const inserts: { i: number; e: EnrolEntry; id: string }[] = [];
    for (const { i, e } of candidates) {
      const policy = policyOf(e.version);
      const before = previous.get(keyOf(e));
      if (before && policy.policy !== 'always') {
        const cooldownMs =
          policy.policy === 'cooldown' ? (parseDuration(policy.cooldown ?? '0s') ?? 0) : Infinity;
        if (e.command.at.getTime() - before.getTime() < cooldownMs) {
          results[i] = { enrolled: false, reason: refusal(e.version) };
          continue;
        }
      }
      inserts.push({ i, e, id: randomUUID() });
    }
    if (!inserts.length) return results;
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO journey_runs (id, journey_id, version, customer_id, run_key, status, node_id, phase, step,
                                 node_entered_at, wake_at, context, entered_at, updated_at)
       SELECT u.id, u.journey_id, u.version, u.customer_id, u.run_key, 'active', u.node_id, u.phase, 0, u.at,
              u.wake_at, u.context, u.at, u.at
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                     $8::timestamptz[], $9::timestamptz[], $10::jsonb[])
              AS u(id, journey_id, version, customer_id, run_key, node_id, phase, at, wake_at, context)
        WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = u.customer_id)
       ON CONFLICT (journey_id, customer_id, run_key) WHERE status IN ('active', 'waiting') DO NOTHING
       RETURNING id`,
      [
        inserts.map((x) => x.id),
        inserts.map((x) => x.e.version.journeyId),
        inserts.map((x) => x.e.version.version),
        inserts.map((x) => x.e.command.customerId),
        inserts.map((x) => x.e.command.runKey),
        inserts.map((x) => x.e.command.nodeId ?? startNode(x.e.version)),
        inserts.map((x) => x.e.command.phase ?? 'arrive'),
        inserts.map((x) => x.e.command.at),
        inserts.map((x) => x.e.command.wakeAt ?? x.e.command.at),
        inserts.map((x) => JSON.stringify(x.e.command.context)),
      ],
    );
    const created = new Set(rows.map((r) => r.id));
    for (const x of inserts)
      results[x.i] = created.has(x.id)
        ? { enrolled: true, runId: x.id }
        : { enrolled: false, reason: 'already in the journey' };
    if (created.size) await this.tx.notifyOnCommit(manager, JOURNEY_RUNS_CHANNEL);
    return results;
  }
}

function policyOf(version: PublishedVersion) {
  return version.definition.reentry ?? { policy: 'once' as const };
}

/** Why the re-entry policy refuses an entry: a run entered before (once) or within the cooldown. */
function refusal(version: PublishedVersion): string {
  const policy = policyOf(version);
  return policy.policy === 'once'
    ? 'entered before (re-entry: once)'
    : policy.policy === 'cooldown'
      ? `entered within the cooldown (${policy.cooldown})`
      : 'already in the journey';
}
