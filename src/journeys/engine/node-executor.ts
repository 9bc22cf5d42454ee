import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExperimentsException } from '../../experiments/experiments.exception';
import { AssignVariantUseCase } from '../../experiments/assign-variant.usecase';
import { TransactionService } from '../../database/transaction.service';
import { evaluate } from '../../segments/rules';
import { CUSTOMER_CHANGES_CHANNEL } from '../../ingestion/message';
import type { JourneyNode } from '../graph/definition';
import { parseDuration, parseLocalTime } from '../graph/duration';
import { nextLocalTime } from '../graph/local-time';
import type { PublishedVersion } from '../journey.types';
import type { FactsCache } from './facts-cache';
import type { PendingSends } from './pending-sends';
import type { NodeOf, NodeOutcome, RunRow } from './run-row';
import { chooseVariant } from './weighted-split';

/** What a claimed batch shares: facts loaded once, and outbox rows written together at the end. */
export interface StepScope {
  facts: FactsCache;
  sends: PendingSends;
}

/**
 * Runs one node for one run, inside the caller's transaction: whatever it writes (an outbox message, a trait
 * change, an assignment) commits together with the run's move, so a crash replays the whole step or none of it.
 */
@Injectable()
export class NodeExecutor {
  constructor(
    private readonly assignVariant: AssignVariantUseCase,
    private readonly tx: TransactionService,
  ) {}

  execute(
    manager: EntityManager,
    run: RunRow,
    node: JourneyNode,
    version: PublishedVersion,
    now: Date,
    scope: StepScope,
  ): Promise<NodeOutcome> {
    switch (node.type) {
      case 'wait':
        return Promise.resolve(this.wait(run, node, now));
      case 'branch':
        return this.branch(manager, run, node, now, scope.facts);
      case 'split':
        return this.split(manager, run, node, version);
      case 'send_email':
        return Promise.resolve(this.send(run, node, version, scope.sends));
      case 'update_customer':
        scope.facts.forget(run.customerId);
        return this.update(manager, run, node, now);
      case 'exit':
        return Promise.resolve({ kind: 'end', status: 'exited', reason: 'exit node', outcome: 'exit' });
    }
  }

  private wait(run: RunRow, node: NodeOf<'wait'>, now: Date): NodeOutcome {
    if ('event' in node) {
      if (run.phase === 'event')
        return { kind: 'next', to: node.next, outcome: 'event', detail: { event: node.event.name } };
      if (run.phase === 'parked')
        return { kind: 'next', to: node.timeoutNext, outcome: 'timeout', detail: { timeout: node.timeout } };
      return {
        kind: 'park',
        wakeAt: new Date(now.getTime() + (parseDuration(node.timeout) ?? 0)),
        waitingFor: node.event.name,
      };
    }
    if (run.phase === 'parked') return { kind: 'next', to: node.next, outcome: 'waited' };
    const wakeAt =
      'duration' in node
        ? new Date(run.nodeEnteredAt.getTime() + (parseDuration(node.duration) ?? 0))
        : nextLocalTime(now, run.timezone, parseLocalTime(node.until.time)!, node.until.weekdays);
    if (wakeAt.getTime() <= now.getTime())
      return { kind: 'next', to: node.next, outcome: 'waited', detail: { until: wakeAt.toISOString() } };
    return { kind: 'park', wakeAt };
  }

  private async branch(
    manager: EntityManager,
    run: RunRow,
    node: NodeOf<'branch'>,
    now: Date,
    cache: FactsCache,
  ): Promise<NodeOutcome> {
    const facts = await cache.get(manager, run.customerId, node, now);
    const evaluated: { branch: string; matched: boolean; conditions: unknown }[] = [];
    for (const [i, b] of node.branches.entries()) {
      const result = await evaluate(
        b.when,
        { ...facts!, context: run.context as Record<string, unknown> },
        now,
      );
      const name = b.name ?? `branches[${i}]`;
      evaluated.push({
        branch: name,
        matched: result.matched,
        conditions: result.explanation.map((e) => ({
          path: e.path,
          fact: e.fact,
          factPath: e.factPath,
          operator: e.operator,
          value: e.value,
          factValue: e.factValue,
          matched: e.matched,
        })),
      });
      if (result.matched)
        return { kind: 'next', to: b.next, outcome: 'branch', detail: { taken: name, evaluated } };
    }
    return { kind: 'next', to: node.else, outcome: 'branch', detail: { taken: 'else', evaluated } };
  }

  private async split(
    manager: EntityManager,
    run: RunRow,
    node: NodeOf<'split'>,
    version: PublishedVersion,
  ): Promise<NodeOutcome> {
    const sticky = run.context.splits?.[node.id];
    if (node.variants) {
      const variant =
        node.variants.find((v) => v.name === sticky) ??
        chooseVariant(node.variants, version.journeyKey, node.id, run.customerId);
      run.context.splits = { ...run.context.splits, [node.id]: variant.name };
      return { kind: 'next', to: variant.next, outcome: 'split', detail: { variant: variant.name } };
    }
    const experiment = node.experiment!;
    try {
      const a = await this.assignVariant.execute(experiment, run.customerId, manager);
      const arm = a.holdout ? null : a.arm!;
      run.context.splits = { ...run.context.splits, [node.id]: arm ?? 'holdout' };
      run.context.variant = arm;
      run.context.experiment = experiment;
      const to = arm === null ? node.holdout! : node.arms![arm];
      return {
        kind: 'next',
        to,
        outcome: 'split',
        detail: { experiment, arm, holdout: a.holdout, created: a.created },
      };
    } catch (error) {
      if (!(error instanceof ExperimentsException)) throw error;
      // A stopped experiment assigns nobody new: route to the control arm, and say so in the timeline.
      const [control] = Object.keys(node.arms ?? {});
      run.context.splits = { ...run.context.splits, [node.id]: control };
      run.context.variant = control;
      run.context.experiment = experiment;
      return {
        kind: 'next',
        to: node.arms![control],
        outcome: 'split',
        detail: { experiment, arm: control, reason: error.message },
      };
    }
  }

  /** The outbox row is written with the rest of the batch; the timeline detail gets its id then. */
  private send(
    run: RunRow,
    node: NodeOf<'send_email'>,
    version: PublishedVersion,
    sends: PendingSends,
  ): NodeOutcome {
    const template = version.pinned.templates[node.id];
    const frequencyCap = version.definition.frequencyCap;
    const cap = frequencyCap && { max: frequencyCap.max, withinMs: parseDuration(frequencyCap.within) ?? 0 };
    const detail: Record<string, unknown> = {
      messageId: null,
      template: template.key,
      templateVersion: template.version,
      replayed: false,
    };
    sends.add(
      run.id,
      {
        customerId: run.customerId,
        templateId: template.id,
        templateVersion: template.version,
        idempotencyKey: `journey:${run.id}:${node.id}:${run.step}`,
        kind: node.transactional ? 'transactional' : 'marketing',
        journeyId: version.journeyId,
        nodeId: node.id,
        ...(cap && { cap: { key: `journey:${version.journeyId}`, max: cap.max, withinMs: cap.withinMs } }),
        context: {
          event: run.context.event ?? {},
          journey: { key: version.journeyKey, version: version.version, node: node.id, runId: run.id },
          // experiment + variant attribute the message to the arm in the experiment's results
          ...(typeof run.context.variant === 'string' && { variant: run.context.variant }),
          ...(typeof run.context.experiment === 'string' && { experiment: run.context.experiment }),
          ...(node.blocks && { blocks: node.blocks }),
        },
      },
      detail,
    );
    return { kind: 'next', to: node.next ?? null, outcome: 'queued', detail };
  }

  private async update(
    manager: EntityManager,
    run: RunRow,
    node: NodeOf<'update_customer'>,
    now: Date,
  ): Promise<NodeOutcome> {
    const set = node.set ?? {};
    const increment = node.increment ?? {};
    await manager.query(
      `UPDATE customers SET traits = (traits || $2::jsonb) || (
              SELECT coalesce(jsonb_object_agg(k, to_jsonb(
                       CASE WHEN jsonb_typeof(traits -> k) = 'number' THEN (traits ->> k)::numeric ELSE 0 END + v::numeric)),
                     '{}'::jsonb)
                FROM jsonb_each_text($3::jsonb) AS i(k, v)),
              updated_at = $4
        WHERE id = $1`,
      [run.customerId, set, increment, now],
    );
    await manager.query(
      `INSERT INTO customer_changes (customer_id, changed_at) VALUES ($1, $2)
       ON CONFLICT (customer_id) DO UPDATE SET changed_at = EXCLUDED.changed_at`,
      [run.customerId, now],
    );
    await this.tx.notifyOnCommit(manager, CUSTOMER_CHANGES_CHANNEL);
    return { kind: 'next', to: node.next ?? null, outcome: 'updated', detail: { set, increment } };
  }
}
