import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, recordAudit } from '../common/audit/audit-log';
import { Page, PageQuery, paginate } from '../common/http/pagination';
import { isUuid } from '../common/http/uuid';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { lockMembershipWriters } from '../segments/membership-writers';
import { CustomerEntity, CustomerIdentityEntity, CustomerStatsEntity } from './customer.entity';
import { CustomersException } from './customers.exception';

export interface CustomerView {
  id: string;
  externalId: string | null;
  email: string | null;
  traits: Record<string, unknown>;
  timezone: string | null;
  consent: { marketing: boolean | null; source: string | null; at: Date | null };
  createdAt: Date;
  updatedAt: Date;
  stats: Omit<CustomerStatsEntity, 'customerId'> | null;
  identities: { kind: string; value: string; createdAt: Date }[];
  scores: Record<string, unknown> | null;
  segments: { key: string; name: string; enteredAt: Date }[];
}

@Injectable()
export class CustomersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  /** `ref` is Waymark's id or the customer's userId: marketers know the latter. */
  async resolveId(ref: string, manager: EntityManager = this.dataSource.manager): Promise<string> {
    if (isUuid(ref)) {
      const found = await manager.query(`SELECT id FROM customers WHERE id = $1`, [ref]);
      if (found.length) return found[0].id;
    }
    const byUserId = await manager.query(
      `SELECT customer_id FROM customer_identities WHERE kind = 'userId' AND value = $1`,
      [ref],
    );
    if (byUserId.length) return byUserId[0].customer_id;
    throw CustomersException.notFound(ref);
  }

  async get(ref: string): Promise<CustomerView> {
    const id = await this.resolveId(ref);
    const [customer, stats, identities, scores, segments] = await Promise.all([
      this.dataSource.manager.findOneByOrFail(CustomerEntity, { id }),
      this.dataSource.manager.findOneBy(CustomerStatsEntity, { customerId: id }),
      this.dataSource.manager.find(CustomerIdentityEntity, {
        where: { customerId: id },
        order: { createdAt: 'ASC' },
      }),
      this.dataSource.query(
        `SELECT rfm_recency AS "rfmRecency", rfm_frequency AS "rfmFrequency", rfm_monetary AS "rfmMonetary",
                rfm_code AS "rfmCode", rfm_group AS "rfmGroup", rfm_at AS "rfmAt", clv::float8 AS clv, clv_tier AS "clvTier",
                churn_probability AS "churnProbability", cluster, updated_at AS "updatedAt"
           FROM customer_scores WHERE customer_id = $1`,
        [id],
      ),
      this.dataSource.query(
        `SELECT s.key, s.name, m.entered_at AS "enteredAt" FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
          WHERE m.customer_id = $1 AND s.archived_at IS NULL ORDER BY s.key`,
        [id],
      ),
    ]);
    return { ...toView(customer, stats, identities), scores: scores[0] ?? null, segments };
  }

  list(query: PageQuery & { email?: string }): Promise<Page<CustomerEntity>> {
    const qb = this.dataSource.manager.createQueryBuilder(CustomerEntity, 'c');
    if (query.email) qb.where('lower(c.email) = lower(:email)', { email: query.email });
    return paginate(qb, 'c', query);
  }

  /** Everything held about the person (GDPR access request). */
  async export(ref: string) {
    const profile = await this.get(ref);
    const [events, segmentTransitions, messages, journeyRuns, experimentAssignments] = await Promise.all([
      this.dataSource.query(
        `SELECT message_id AS "messageId", type, event, properties, "timestamp", original_timestamp AS "originalTimestamp",
                sent_at AS "sentAt", received_at AS "receivedAt", context
           FROM events WHERE customer_id = $1 ORDER BY "timestamp", id`,
        [profile.id],
      ),
      this.dataSource.query(
        `SELECT s.key AS segment, t.kind, t.segment_version AS "segmentVersion", t.at
           FROM segment_transitions t JOIN segments s ON s.id = t.segment_id WHERE t.customer_id = $1 ORDER BY t.at, t.id`,
        [profile.id],
      ),
      this.dataSource.query(
        `SELECT m.id, t.key AS template, m.template_version AS "templateVersion", m.to_email AS "toEmail", m.subject,
                m.status, m.skip_reason AS "skipReason", m.created_at AS "createdAt", m.sent_at AS "sentAt",
                coalesce((SELECT jsonb_agg(jsonb_build_object('type', e.type, 'at', e.at) ORDER BY e.at)
                            FROM message_events e WHERE e.message_id = m.id), '[]') AS events
           FROM messages m LEFT JOIN templates t ON t.id = m.template_id
          WHERE m.customer_id = $1 ORDER BY m.created_at, m.id`,
        [profile.id],
      ),
      this.dataSource.query(
        `SELECT j.key AS journey, r.version, r.status, r.node_id AS "nodeId", r.context, r.entered_at AS "enteredAt",
                r.ended_at AS "endedAt", r.end_reason AS "endReason",
                coalesce((SELECT jsonb_agg(jsonb_build_object('nodeId', s.node_id, 'outcome', s.outcome,
                                   'detail', s.detail, 'leftAt', s.left_at) ORDER BY s.id)
                            FROM journey_steps s WHERE s.run_id = r.id), '[]') AS timeline
           FROM journey_runs r JOIN journeys j ON j.id = r.journey_id
          WHERE r.customer_id = $1 ORDER BY r.entered_at, r.id`,
        [profile.id],
      ),
      this.dataSource.query(
        `SELECT x.key AS experiment, a.arm, a.holdout, a.segments, a.assigned_at AS "assignedAt"
           FROM experiment_assignments a JOIN experiments x ON x.id = a.experiment_id
          WHERE a.customer_id = $1 ORDER BY a.assigned_at`,
        [profile.id],
      ),
    ]);
    return {
      ...profile,
      events,
      segmentTransitions,
      messages,
      journeyRuns,
      experimentAssignments,
      exportedAt: this.clock.now(),
    };
  }

  /**
   * Erasure: the customer row goes and every customer-owned table follows through ON DELETE CASCADE (a rule for
   * every later table too), or through a statement trigger on customers for the segment tables, which have no
   * foreign keys. The audit entry keeps Waymark's opaque id and counts, nothing personal.
   */
  async erase(ref: string, actor: AuditActor | undefined): Promise<void> {
    await this.tx.run(async (manager) => {
      // Before the customer's row lock: a refresh we wait for (seconds at most) may need a key-share lock on this
      // customer for the journey_inbox rows its transitions queue, so holding the row lock here could deadlock.
      await lockMembershipWriters(manager, 'erase');
      const id = await this.resolveId(ref, manager);
      await manager.query(`SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, [id]);
      const [{ events }] = await manager.query(
        `SELECT count(*)::int AS events FROM events WHERE customer_id = $1`,
        [id],
      );
      const [{ identities }] = await manager.query(
        `SELECT count(*)::int AS identities FROM customer_identities WHERE customer_id = $1`,
        [id],
      );
      await manager.query(`DELETE FROM customers WHERE id = $1`, [id]);
      await recordAudit(manager, actor, {
        action: 'customer.erased',
        subjectType: 'customer',
        subjectId: id,
        details: { events, identities },
      });
    });
  }

  async setConsent(
    ref: string,
    marketing: boolean,
    source: string,
    actor: AuditActor | undefined,
  ): Promise<CustomerView> {
    await this.tx.run(async (manager) => {
      const id = await this.resolveId(ref, manager);
      await manager.query(
        `UPDATE customers SET marketing_consent = $2, consent_source = $3, consent_at = $4, updated_at = $4 WHERE id = $1`,
        [id, marketing, source, this.clock.now()],
      );
      await recordAudit(manager, actor, {
        action: 'customer.consent',
        subjectType: 'customer',
        subjectId: id,
        details: { marketing, source },
      });
    });
    return this.get(ref);
  }
}

function toView(
  c: CustomerEntity,
  stats: CustomerStatsEntity | null,
  identities: CustomerIdentityEntity[],
): Omit<CustomerView, 'scores' | 'segments'> {
  let statsView: CustomerView['stats'] = null;
  if (stats) {
    const { customerId: _id, ...rest } = stats;
    statsView = rest;
  }
  return {
    id: c.id,
    externalId: c.externalId,
    email: c.email,
    traits: c.traits,
    timezone: c.timezone,
    consent: { marketing: c.marketingConsent, source: c.consentSource, at: c.consentAt },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    stats: statsView,
    identities: identities.map((i) => ({ kind: i.kind, value: i.value, createdAt: i.createdAt })),
  };
}
