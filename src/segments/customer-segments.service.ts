import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomersService } from '../customers/customers.service';
import { Clock } from '../database/clock';
import { loadCustomerFacts } from './customer-facts.loader';
import { evaluate, eventsNeeded } from './rules/evaluate';
import { SegmentsService } from './segments.service';

/** A customer's segments, and on request why: each condition's fact value and outcome, evaluated now. */
@Injectable()
export class CustomerSegmentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
    private readonly segments: SegmentsService,
    private readonly clock: Clock,
  ) {}

  async forCustomer(ref: string, explain: boolean) {
    const customerId = await this.customers.resolveId(ref);
    const memberships = await this.dataSource.query(
      `SELECT s.key, s.name, s.version, m.entered_at AS "enteredAt"
         FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
        WHERE m.customer_id = $1 AND s.archived_at IS NULL ORDER BY s.key`,
      [customerId],
    );
    if (!explain) return { customerId, segments: memberships };

    const now = this.clock.now();
    const active = await this.segments.activeSegments();
    const explanations = [];
    for (const segment of active) {
      const facts = await loadCustomerFacts(
        this.dataSource.manager,
        [customerId],
        eventsNeeded(segment.rules, now),
      );
      const result = await evaluate(segment.rules, facts.get(customerId)!, now);
      explanations.push({
        key: segment.key,
        name: segment.name,
        member: memberships.some((m: { key: string }) => m.key === segment.key),
        matchesNow: result.matched,
        conditions: result.explanation,
      });
    }
    return { customerId, segments: memberships, explanations, evaluatedAt: now };
  }
}
