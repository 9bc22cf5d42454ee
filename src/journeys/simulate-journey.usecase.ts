import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomersService } from '../customers/customers.service';
import { ExperimentsService } from '../experiments/experiments.service';
import { loadCustomerFacts } from '../segments/customer-facts.loader';
import { evaluate, eventsNeeded, type CustomerFacts } from '../segments/rules';
import { Clock } from '../database/clock';
import { chooseVariant } from './engine/weighted-split';
import { startNode } from './engine/cart-check';
import type { JourneyNode } from './graph/definition';
import { parseLocalTime } from './graph/duration';
import { nextLocalTime } from './graph/local-time';
import { JourneyVersionsRepository } from './journey-versions.repository';
import type { SimulateDto } from './journeys.dto';
import { JourneysErrorCode, JourneysException } from './journeys.exception';
import { JourneysService } from './journeys.service';

export interface SimulatedStep {
  nodeId: string;
  type: JourneyNode['type'];
  outcome: string;
  detail: Record<string, unknown>;
}

/** Nodes walked at most, so a cycle (through waits, which simulation passes at once) ends the walk. */
const MAX_STEPS = 100;

/**
 * The path a customer would take through the current version now, without side effects: waits are passed at
 * once (a wait for an event takes its timeout path), branches are evaluated on today's facts, splits show the
 * stored or the predicted arm, and sends name the template version without queueing anything.
 */
@Injectable()
export class SimulateJourneyUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly journeys: JourneysService,
    private readonly versions: JourneyVersionsRepository,
    private readonly customers: CustomersService,
    private readonly experiments: ExperimentsService,
    private readonly clock: Clock,
  ) {}

  async execute(ref: string, dto: SimulateDto) {
    const journey = await this.journeys.get(ref);
    if (journey.currentVersion === null)
      throw new JourneysException(
        JourneysErrorCode.JOURNEY_NOT_PUBLISHED,
        `Journey "${journey.key}" has no published version to simulate`,
      );
    const version = await this.versions.get(journey.id, journey.currentVersion);
    const now = this.clock.now();
    const customerId = dto.customer ? await this.customers.resolveId(dto.customer) : null;
    const facts = await this.facts(customerId, dto.facts ?? {}, version.definition.nodes, now);
    const timezone = (facts.traits?.timezone as string | undefined) ?? null;
    const context = { event: dto.context ?? {} };
    const byId = new Map(version.definition.nodes.map((n) => [n.id, n]));
    const path: SimulatedStep[] = [];
    let at: string | null = startNode(version);
    let outcome: 'completed' | 'exited' | 'cut' = 'completed';
    while (at !== null) {
      if (path.length >= MAX_STEPS) {
        outcome = 'cut';
        break;
      }
      const node: JourneyNode = byId.get(at)!;
      const step = await this.step(node, facts, context, version.journeyKey, customerId, timezone, now);
      path.push({ nodeId: node.id, type: node.type, outcome: step.outcome, detail: step.detail });
      if (node.type === 'exit') outcome = 'exited';
      at = step.next;
    }
    return {
      journey: journey.key,
      version: version.version,
      customerId,
      trigger: version.definition.trigger,
      path,
      outcome,
      ...(outcome === 'cut' && { note: `stopped after ${MAX_STEPS} steps: the path loops through waits` }),
    };
  }

  private async step(
    node: JourneyNode,
    facts: CustomerFacts,
    context: Record<string, unknown>,
    journeyKey: string,
    customerId: string | null,
    timezone: string | null,
    now: Date,
  ): Promise<{ next: string | null; outcome: string; detail: Record<string, unknown> }> {
    switch (node.type) {
      case 'wait':
        if ('event' in node)
          return {
            next: node.timeoutNext,
            outcome: 'timeout',
            detail: { waitsFor: node.event.name, timeout: node.timeout, ifEventHappens: node.next },
          };
        if ('duration' in node)
          return { next: node.next, outcome: 'waited', detail: { duration: node.duration } };
        return {
          next: node.next,
          outcome: 'waited',
          detail: {
            until: nextLocalTime(now, timezone, parseLocalTime(node.until.time)!, node.until.weekdays),
          },
        };
      case 'branch': {
        const evaluated = [];
        for (const [i, b] of node.branches.entries()) {
          const result = await evaluate(b.when, { ...facts, context }, now);
          const name = b.name ?? `branches[${i}]`;
          evaluated.push({ branch: name, matched: result.matched, conditions: result.explanation });
          if (result.matched) return { next: b.next, outcome: 'branch', detail: { taken: name, evaluated } };
        }
        return { next: node.else, outcome: 'branch', detail: { taken: 'else', evaluated } };
      }
      case 'split':
        if (node.variants) {
          const v = chooseVariant(node.variants, journeyKey, node.id, customerId ?? 'simulated');
          return { next: v.next, outcome: 'split', detail: { variant: v.name } };
        }
        return this.experimentArm(node, customerId);
      case 'send_email':
        return {
          next: node.next ?? null,
          outcome: 'would send',
          detail: { template: node.template, ...(node.version && { version: node.version }) },
        };
      case 'update_customer':
        return {
          next: node.next ?? null,
          outcome: 'would update',
          detail: { set: node.set ?? {}, increment: node.increment ?? {} },
        };
      case 'exit':
        return { next: null, outcome: 'exit', detail: {} };
    }
  }

  private async experimentArm(node: Extract<JourneyNode, { type: 'split' }>, customerId: string | null) {
    const experiment = await this.experiments.get(node.experiment!);
    const [stored] = customerId
      ? await this.dataSource.query(
          `SELECT arm, holdout FROM experiment_assignments WHERE experiment_id = $1 AND customer_id = $2`,
          [experiment.id, customerId],
        )
      : [];
    const predicted = stored ?? this.experiments.assigner(experiment).assign(customerId ?? 'simulated');
    const arm: string | null = predicted.holdout
      ? null
      : stored
        ? stored.arm
        : (experiment.winner ?? predicted.arm);
    return {
      next: arm === null ? node.holdout! : node.arms![arm],
      outcome: 'split',
      detail: { experiment: experiment.key, arm, holdout: !!predicted.holdout, stored: !!stored },
    };
  }

  private async facts(
    customerId: string | null,
    given: Record<string, unknown>,
    nodes: JourneyNode[],
    now: Date,
  ): Promise<CustomerFacts> {
    let base: CustomerFacts = { traits: {}, stats: null, scores: null, segments: [], events: [] };
    if (customerId) {
      const needs = nodes.flatMap((n) =>
        n.type === 'branch' ? n.branches.map((b) => eventsNeeded(b.when, now)) : [],
      );
      const names = [...new Set(needs.flatMap((n) => n.names))];
      base = (await loadCustomerFacts(this.dataSource.manager, [customerId], { names, since: null })).get(
        customerId,
      )!;
    }
    return {
      ...base,
      traits: { ...(base.traits ?? {}), ...((given.traits as Record<string, unknown>) ?? {}) },
      ...(given.stats !== undefined && { stats: given.stats as CustomerFacts['stats'] }),
      ...(given.scores !== undefined && { scores: given.scores as CustomerFacts['scores'] }),
      ...(Array.isArray(given.segments) && { segments: given.segments as string[] }),
    };
  }
}
