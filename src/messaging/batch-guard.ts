import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { Clock } from '../database/clock';
import { queryPrepared } from '../database/prepared-query';
import { TransactionService } from '../database/transaction.service';
import {
  capWindowKey,
  capWindows,
  decideBatch,
  type GuardedCustomer,
  type GuardedMessage,
  type GuardFacts,
  type GuardPolicy,
  type Verdict,
} from './send-verdicts';

/**
 * Runs the guards for a claimed batch in one short transaction of three statements: lock the batch's customers (in
 * id order, the order every sender uses, so overlapping batches wait instead of deadlocking), read what the guards
 * need under those locks (messages still claimed, suppressions, cap counts — a statement of its own, so its snapshot
 * sees every approval committed before the locks were granted), then write every verdict at once. Approving stamps
 * approved_at, which counts the in-flight message against the caps of any later batch.
 */
@Injectable()
export class BatchGuard {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  check(messages: GuardedMessage[], token: string): Promise<Verdict[]> {
    if (!messages.length) return Promise.resolve([]);
    return this.tx.run(async (m) => {
      const policy: GuardPolicy = {
        now: this.clock.now(),
        frequencyCap: this.config.frequencyCap,
        quietHours: this.config.quietHours,
      };
      const customers = await this.lockCustomers(m, [...new Set(messages.map((r) => r.customerId))].sort());
      const facts = await this.read(m, messages, token, customers, policy);
      const verdicts = decideBatch(messages, facts, policy);
      await this.apply(m, verdicts, token, policy.now);
      return verdicts;
    });
  }

  private async lockCustomers(m: EntityManager, ids: string[]): Promise<Map<string, GuardedCustomer>> {
    const rows = await queryPrepared<{
      id: string;
      email: string | null;
      timezone: string | null;
      marketing_consent: boolean | null;
    }>(
      m,
      `SELECT id, email, timezone, marketing_consent FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return new Map(
      rows.map((c) => [
        c.id,
        { email: c.email, timezone: c.timezone, marketingConsent: c.marketing_consent },
      ]),
    );
  }

  private async read(
    m: EntityManager,
    messages: GuardedMessage[],
    token: string,
    customers: Map<string, GuardedCustomer>,
    policy: GuardPolicy,
  ): Promise<GuardFacts> {
    const windows = capWindows(messages, policy);
    const emails = [
      ...new Set([...customers.values()].flatMap((c) => (c.email ? [c.email.toLowerCase()] : []))),
    ];
    const rows = await queryPrepared<{
      what: 'claimed' | 'suppressed' | 'count';
      a: string;
      b: string | null;
      n: number | null;
    }>(
      m,
      `WITH mine AS (SELECT id FROM messages WHERE id = ANY($1::uuid[]) AND claim_token = $2 ORDER BY id FOR UPDATE)
         SELECT 'claimed' AS what, id::text AS a, NULL::text AS b, NULL::int AS n FROM mine
         UNION ALL
         SELECT 'suppressed', email, reason, NULL FROM suppressions WHERE email = ANY($3::text[])
         UNION ALL
         SELECT 'count', w.i::text, NULL,
                (SELECT count(*)::int FROM messages x
                  WHERE x.customer_id = w.customer_id AND x.kind = 'marketing' AND NOT (x.id = ANY($1::uuid[]))
                    AND (w.cap_key IS NULL OR x.cap_key = w.cap_key)
                    AND ((x.status = 'sent' AND x.sent_at > w.since) OR (x.status = 'sending' AND x.approved_at > w.since)))
           FROM unnest($4::uuid[], $5::text[], $6::timestamptz[]) WITH ORDINALITY AS w(customer_id, cap_key, since, i)`,
      [
        messages.map((r) => r.id),
        token,
        emails,
        windows.map((w) => w.customerId),
        windows.map((w) => w.capKey),
        windows.map((w) => w.since),
      ],
    );
    const facts: GuardFacts = { customers, claimed: new Set(), suppressed: new Map(), counts: new Map() };
    for (const r of rows) {
      if (r.what === 'claimed') facts.claimed.add(r.a);
      else if (r.what === 'suppressed') facts.suppressed.set(r.a, r.b!);
      else facts.counts.set(capWindowKey(windows[Number(r.a) - 1]), r.n!);
    }
    return facts;
  }

  private async apply(m: EntityManager, verdicts: Verdict[], token: string, now: Date): Promise<void> {
    const changed = verdicts.filter((v) => v.action !== 'drop');
    if (!changed.length) return;
    const col = <T>(f: (v: Verdict) => T | null) => changed.map(f);
    await queryPrepared(
      m,
      `UPDATE messages m SET
         status = CASE v.action WHEN 'stop' THEN v.status WHEN 'defer' THEN 'queued' ELSE m.status END,
         skip_reason = CASE v.action WHEN 'stop' THEN v.reason WHEN 'defer' THEN 'quiet_hours' ELSE m.skip_reason END,
         to_email = CASE WHEN v.action = 'defer' THEN m.to_email ELSE v.email END,
         approved_at = CASE WHEN v.action = 'send' THEN $2 ELSE m.approved_at END,
         -- deferred, not an attempt: back to the queue until the quiet hours end
         next_attempt_at = CASE WHEN v.action = 'defer' THEN v.until ELSE m.next_attempt_at END,
         attempts = CASE WHEN v.action = 'defer' THEN m.attempts - 1 ELSE m.attempts END,
         claim_token = CASE WHEN v.action = 'send' THEN m.claim_token END,
         updated_at = CASE WHEN v.action = 'send' THEN m.updated_at ELSE $2 END
        FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
             AS v(id, action, status, reason, email, until)
       WHERE m.id = v.id AND m.claim_token = $1`,
      [
        token,
        now,
        col((v) => v.id),
        col((v) => v.action),
        col((v) => (v.action === 'stop' ? v.status : null)),
        col((v) => (v.action === 'stop' ? v.reason : null)),
        col((v) => (v.action === 'stop' || v.action === 'send' ? v.email : null)),
        col((v) => (v.action === 'defer' ? v.until : null)),
      ],
    );
  }
}
