import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../database/clock';
import { TransactionService } from '../../database/transaction.service';
import { resolvePath } from '../../segments/rules/json-path';
import type { Goal, JourneyNode, Trigger } from '../graph/definition';
import { parseDuration } from '../graph/duration';
import { matchesProperties } from '../graph/property-match';
import { JourneyVersionsRepository } from '../journey-versions.repository';
import { CART_EVENTS } from '../journey-watches';
import type { PublishedVersion } from '../journey.types';
import { JOURNEY_RUNS_CHANNEL } from './advance-runs.usecase';
import { EnrolCommand, EnrolCustomerUseCase, EnrolEntry } from './enrol-customer.usecase';
import { startNode } from './cart-check';
import { CART_NODE, RunContext } from './run-row';

export const JOURNEY_INBOX_CHANNEL = 'waymark_journey_inbox';
const CLAIM = 500;

interface InboxItem {
  id: string;
  customerId: string;
  kind: 'event' | 'segment_entered' | 'segment_exited' | 'clv_tier_changed';
  name: string;
  properties: Record<string, unknown>;
  at: Date;
}

interface InboxBatch {
  /** Live runs by customer, kept in step with what the batch does to them. */
  runs: Map<string, LiveRun[]>;
  enrolments: EnrolEntry[];
}

interface LiveRun {
  id: string;
  journeyId: string;
  version: number;
  status: 'active' | 'waiting';
  nodeId: string;
  phase: string;
  step: number;
  waitingFor: string | null;
  enteredAt: Date;
}

/**
 * Works through the journey inbox — events and transitions that the database triggers queued in the same
 * transaction that stored them — in one transaction per batch: goals convert runs, awaited events wake them,
 * and triggers start new runs. The batch's rows are deleted in the same transaction, so each item is handled
 * exactly once; items of one customer are handled in the order they arrived.
 */
@Injectable()
export class ProcessInboxUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly versions: JourneyVersionsRepository,
    private readonly enrol: EnrolCustomerUseCase,
  ) {}

  async executeOnce(): Promise<number> {
    return this.tx.run(async (manager) => {
      // DELETE … RETURNING answers [rows, count]
      const [items]: [InboxItem[], number] = await manager.query(
        // Through the primary key (= ANY of an array), not a join: a queue's constant deletes leave its table full
        // of dead rows until a vacuum, and a hash join scans all of them on every claim (measured on the segment
        // worker's queue, see CLAIM_CHANGES_SQL).
        `DELETE FROM journey_inbox WHERE id = ANY (ARRAY(
           SELECT id FROM journey_inbox ORDER BY id LIMIT ${CLAIM} FOR UPDATE SKIP LOCKED))
         RETURNING id, customer_id AS "customerId", kind, name, properties, at`,
      );
      if (!items.length) return 0;
      // By customer, then arrival: enrolment locks are taken in a consistent order across concurrent batches.
      items.sort((a, b) => a.customerId.localeCompare(b.customerId) || Number(a.id) - Number(b.id));
      const live = (await this.versions.current(manager)).filter((v) => v.status === 'live');
      const now = this.clock.now();
      const batch: InboxBatch = {
        runs: await this.liveRuns(manager, [
          ...new Set(items.filter((i) => i.kind === 'event').map((i) => i.customerId)),
        ]),
        enrolments: [],
      };
      for (const item of items) await this.handle(manager, item, live, now, batch);
      await this.flushEnrolments(manager, batch);
      return items.length;
    });
  }

  /** The live runs of the batch's customers, locked once, in id order, for the whole batch. */
  private async liveRuns(manager: EntityManager, customerIds: string[]): Promise<Map<string, LiveRun[]>> {
    const byCustomer = new Map<string, LiveRun[]>();
    if (!customerIds.length) return byCustomer;
    const rows: (LiveRun & { customerId: string })[] = await manager.query(
      `SELECT id, customer_id AS "customerId", journey_id AS "journeyId", version, status, node_id AS "nodeId",
              phase, step, waiting_for AS "waitingFor", entered_at AS "enteredAt"
         FROM journey_runs WHERE customer_id = ANY($1::uuid[]) AND status IN ('active', 'waiting')
        ORDER BY id FOR UPDATE`,
      [customerIds],
    );
    for (const { customerId, ...run } of rows) {
      const list = byCustomer.get(customerId) ?? [];
      list.push(run);
      byCustomer.set(customerId, list);
    }
    return byCustomer;
  }

  /**
   * Enrolments wait to be written together, except that a later item of the same customer that touches runs
   * (an event, a cart) first needs them written: it must see the runs they started, as it would one by one.
   */
  private async flushEnrolments(
    manager: EntityManager,
    batch: InboxBatch,
    customerId?: string,
  ): Promise<void> {
    if (!batch.enrolments.length) return;
    if (customerId !== undefined && !batch.enrolments.some((e) => e.command.customerId === customerId))
      return;
    const entries = batch.enrolments;
    batch.enrolments = [];
    const results = await this.enrol.executeMany(manager, entries);
    for (const [k, r] of results.entries()) {
      if (!r.enrolled) continue;
      const { version, command } = entries[k];
      const list = batch.runs.get(command.customerId) ?? [];
      list.push({
        id: r.runId,
        journeyId: version.journeyId,
        version: version.version,
        status: 'active',
        nodeId: command.nodeId ?? startNode(version),
        phase: command.phase ?? 'arrive',
        step: 0,
        waitingFor: null,
        enteredAt: command.at,
      });
      batch.runs.set(command.customerId, list);
    }
  }

  private async handle(
    manager: EntityManager,
    item: InboxItem,
    live: PublishedVersion[],
    now: Date,
    batch: InboxBatch,
  ) {
    if (item.kind === 'event') {
      await this.flushEnrolments(manager, batch, item.customerId);
      const runs = batch.runs.get(item.customerId) ?? [];
      for (const run of [...runs]) await this.onEvent(manager, run, item, now, runs);
    }
    for (const version of live) await this.trigger(manager, version, item, now, batch);
  }

  /** Goals first (a converted run does not also move on), then an awaited event. */
  private async onEvent(
    manager: EntityManager,
    run: LiveRun,
    item: InboxItem,
    now: Date,
    runs: LiveRun[],
  ): Promise<void> {
    const ended = () => runs.splice(runs.indexOf(run), 1);
    if (run.nodeId === CART_NODE) {
      // Before the window passes the cart has not been abandoned: an order ends it quietly, not as a conversion.
      if (item.name === CART_EVENTS.ordered) {
        await this.endCart(manager, run, now);
        ended();
      }
      return;
    }
    const version = await this.versions.get(run.journeyId, run.version, manager);
    const goal = (version.definition.goals ?? []).find((g) => goalMet(g, item, run));
    if (goal) {
      const revenue = item.name === CART_EVENTS.ordered ? orderRevenue(item.properties) : null;
      await manager.query(
        `UPDATE journey_runs SET status = 'converted', end_reason = $2, revenue = $3, ended_at = $4,
                updated_at = $4, wake_at = NULL, waiting_for = NULL WHERE id = $1`,
        [run.id, `goal: ${goal.name ?? goal.event}`, revenue, now],
      );
      await manager.query(
        `INSERT INTO journey_steps (run_id, journey_id, node_id, step, outcome, detail, entered_at, left_at)
         VALUES ($1, $2, $3, $4, 'converted', $5, $6, $6)`,
        [run.id, run.journeyId, run.nodeId, run.step, { goal: goal.name ?? goal.event, revenue }, now],
      );
      ended();
      return;
    }
    if (run.status !== 'waiting' || run.waitingFor !== item.name) return;
    const node = version.definition.nodes.find((n) => n.id === run.nodeId) as JourneyNode;
    if (node.type !== 'wait' || !('event' in node) || !matchesProperties(node.event.where, item.properties))
      return;
    await manager.query(
      `UPDATE journey_runs SET status = 'active', phase = 'event', wake_at = $2, waiting_for = NULL,
              context = context || jsonb_build_object('lastEvent', $3::jsonb)
        WHERE id = $1 AND status = 'waiting' AND step = $4`,
      [run.id, now, item.properties, run.step],
    );
    Object.assign(run, { status: 'active', phase: 'event', waitingFor: null });
    await this.tx.notifyOnCommit(manager, JOURNEY_RUNS_CHANNEL);
  }

  private async endCart(manager: EntityManager, run: LiveRun, now: Date): Promise<void> {
    await manager.query(
      `UPDATE journey_runs SET status = 'exited', end_reason = 'ordered', ended_at = $2, updated_at = $2,
              wake_at = NULL WHERE id = $1`,
      [run.id, now],
    );
    await manager.query(
      `INSERT INTO journey_steps (run_id, journey_id, node_id, step, outcome, detail, entered_at, left_at)
       VALUES ($1, $2, $3, $4, 'ordered', '{}', $5, $5)`,
      [run.id, run.journeyId, run.nodeId, run.step, now],
    );
  }

  private async trigger(
    manager: EntityManager,
    version: PublishedVersion,
    item: InboxItem,
    now: Date,
    batch: InboxBatch,
  ) {
    const t: Trigger = version.definition.trigger;
    const enrol = (command: EnrolCommand) => void batch.enrolments.push({ version, command });
    switch (t.type) {
      case 'event':
        if (item.kind !== 'event' || item.name !== t.event || !matchesProperties(t.where, item.properties))
          return;
        enrol({
          customerId: item.customerId,
          runKey: t.keyBy ? keyOf(resolvePath(item.properties, t.keyBy)) : '',
          context: { event: item.properties },
          at: now,
        });
        return;
      case 'segment_entered':
      case 'segment_exited':
        if (item.kind !== t.type || item.name !== version.pinned.segments[t.segment]) return;
        enrol({
          customerId: item.customerId,
          runKey: '',
          context: { event: { segment: t.segment, at: item.at } },
          at: now,
        });
        return;
      case 'clv_tier_changed': {
        const { from, to } = item.properties as { from: string | null; to: string | null };
        if (item.kind !== 'clv_tier_changed') return;
        if ((t.from !== undefined && t.from !== from) || (t.to !== undefined && t.to !== to)) return;
        enrol({
          customerId: item.customerId,
          runKey: '',
          context: { event: { from, to, at: item.at } },
          at: now,
        });
        return;
      }
      case 'cart_abandoned':
        if (item.kind === 'event' && item.name === CART_EVENTS.added) {
          await this.flushEnrolments(manager, batch, item.customerId);
          await this.addToCart(manager, version, t.window, item, now, enrol);
        }
        return;
      default:
        return; // date and api triggers are not driven by the inbox
    }
  }

  /** A `Product Added` starts the cart's run, or adds to it and pushes its window back. */
  private async addToCart(
    manager: EntityManager,
    version: PublishedVersion,
    window: string,
    item: InboxItem,
    now: Date,
    enrol: (command: EnrolCommand) => void,
  ): Promise<void> {
    const cartId = item.properties.cart_id;
    const runKey = keyOf(cartId);
    // From the event's own time, so a backlog in the inbox does not stretch the window.
    const wakeAt = new Date(new Date(item.at).getTime() + (parseDuration(window) ?? 0));
    const [updated] = await manager.query(
      `UPDATE journey_runs SET wake_at = $4, updated_at = $5,
              context = jsonb_set(context, '{cart,products}', (context #> '{cart,products}') || jsonb_build_array($6::jsonb))
        WHERE journey_id = $1 AND customer_id = $2 AND run_key = $3 AND node_id = '${CART_NODE}'
          AND status = 'active'
        RETURNING id`,
      [version.journeyId, item.customerId, runKey, wakeAt, now, item.properties],
    );
    if (updated?.length) return;
    const context: RunContext = {
      cart: {
        startedAt: item.at.toISOString(),
        products: [item.properties],
        ...(cartId !== undefined && cartId !== null && { cartId: String(cartId) }),
      },
    };
    enrol({
      customerId: item.customerId,
      runKey,
      context,
      at: now,
      nodeId: CART_NODE,
      phase: 'parked',
      wakeAt,
    });
  }
}

function goalMet(goal: Goal, item: InboxItem, run: LiveRun): boolean {
  if (goal.event !== item.name || !matchesProperties(goal.where, item.properties)) return false;
  if (new Date(item.at).getTime() < new Date(run.enteredAt).getTime()) return false;
  const within = goal.within ? parseDuration(goal.within) : null;
  return within === null || new Date(item.at).getTime() - new Date(run.enteredAt).getTime() <= within;
}

function orderRevenue(p: Record<string, unknown>): number | null {
  const value = Number(p.revenue ?? p.total);
  return Number.isFinite(value) ? value : null;
}

function keyOf(value: unknown): string {
  return value === undefined || value === null
    ? ''
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);
}
