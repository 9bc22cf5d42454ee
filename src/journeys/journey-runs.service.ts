import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, Page } from '../common/http/pagination';
import { isUuid } from '../common/http/uuid';
import { CustomersService } from '../customers/customers.service';
import { JourneyVersionsRepository } from './journey-versions.repository';
import { RUN_COLUMNS, type RunView, type StepView } from './journey.types';
import type { RunsQuery } from './journeys.dto';
import { JourneysErrorCode, JourneysException } from './journeys.exception';
import { JourneysService } from './journeys.service';

export type RunWithTimeline = RunView & { timeline: StepView[] };

/** Runs and their timelines: every node entered and left, the branch taken and why, each message's fate. */
@Injectable()
export class JourneyRunsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly journeys: JourneysService,
    private readonly customers: CustomersService,
    private readonly versions: JourneyVersionsRepository,
  ) {}

  async list(ref: string, query: RunsQuery): Promise<Page<RunWithTimeline>> {
    const journey = await this.journeys.get(ref);
    const customerId = query.customer ? await this.customers.resolveId(query.customer) : null;
    const limit = query.limit ?? 50;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows: RunView[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM journey_runs r JOIN journeys j ON j.id = r.journey_id
        WHERE r.journey_id = $1 AND ($2::text IS NULL OR r.status = $2) AND ($3::uuid IS NULL OR r.customer_id = $3)
          AND ($4::timestamptz IS NULL OR (r.entered_at, r.id) > ($4::timestamptz, $5::uuid))
        ORDER BY r.entered_at, r.id LIMIT $6`,
      [journey.id, query.status ?? null, customerId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const items = await this.withTimelines(rows.slice(0, limit));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.enteredAt, last.id) : null };
  }

  async get(ref: string, runId: string): Promise<RunWithTimeline> {
    const journey = await this.journeys.get(ref);
    const notFound = new JourneysException(
      JourneysErrorCode.RUN_NOT_FOUND,
      `Run "${runId}" not found in journey "${journey.key}"`,
    );
    if (!isUuid(runId)) throw notFound;
    const rows: RunView[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM journey_runs r JOIN journeys j ON j.id = r.journey_id
        WHERE r.id = $1 AND r.journey_id = $2`,
      [runId, journey.id],
    );
    if (!rows.length) throw notFound;
    return (await this.withTimelines(rows))[0];
  }

  /** Every run of one customer, newest first, across journeys. */
  async ofCustomer(customerRef: string): Promise<{ items: RunWithTimeline[] }> {
    const customerId = await this.customers.resolveId(customerRef);
    const rows: RunView[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM journey_runs r JOIN journeys j ON j.id = r.journey_id
        WHERE r.customer_id = $1 ORDER BY r.entered_at DESC, r.id LIMIT 500`,
      [customerId],
    );
    return { items: await this.withTimelines(rows) };
  }

  private async withTimelines(runs: RunView[]): Promise<RunWithTimeline[]> {
    if (!runs.length) return [];
    const steps: (StepView & { runId: string; message: unknown })[] = await this.dataSource.query(
      `SELECT s.run_id AS "runId", s.node_id AS "nodeId", s.step, s.outcome, s.detail, s.entered_at AS "enteredAt",
              s.left_at AS "leftAt",
              CASE WHEN m.id IS NULL THEN NULL
                   ELSE jsonb_build_object('status', m.status, 'skipReason', m.skip_reason, 'sentAt', m.sent_at) END
                AS message
         FROM journey_steps s
         LEFT JOIN messages m ON s.outcome = 'queued' AND m.id = (s.detail ->> 'messageId')::uuid
        WHERE s.run_id = ANY($1::uuid[]) ORDER BY s.id`,
      [runs.map((r) => r.id)],
    );
    const byRun = new Map<string, StepView[]>();
    for (const { runId, message, ...step } of steps) {
      const list = byRun.get(runId) ?? [];
      list.push({ ...step, nodeType: null, ...(message ? { message } : {}) } as StepView);
      byRun.set(runId, list);
    }
    return Promise.all(
      runs.map(async (run) => {
        const version = await this.versions.get(run.journeyId, run.version);
        const types = new Map(version.definition.nodes.map((n) => [n.id, n.type]));
        const timeline: StepView[] = (byRun.get(run.id) ?? []).map((s) => ({
          ...s,
          nodeType: types.get(s.nodeId) ?? null,
        }));
        // Where a live run is now: entered, not yet left.
        if (run.status === 'active' || run.status === 'waiting')
          timeline.push({
            nodeId: run.nodeId,
            nodeType: types.get(run.nodeId) ?? null,
            step: run.step,
            outcome: run.waitingFor ? `waiting for ${run.waitingFor}` : 'waiting',
            detail: { until: run.wakeAt },
            enteredAt: run.nodeEnteredAt,
            leftAt: null,
          });
        return { ...run, timeline };
      }),
    );
  }
}
