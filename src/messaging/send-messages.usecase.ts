import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { CustomerFactsRepository, StoredCustomerFacts } from '../content/customer-facts.repository';
import { TemplateRenderer } from '../content/template-renderer';
import { TemplatesService } from '../content/templates.service';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { recordCustomerEvent } from './customer-events';
import { backoffMs, classifySendError, MAX_ATTEMPTS, publicHost, quietUntil } from './delivery-rules';
import { LinkSigner } from './link-signer';
import { MailTransport } from './mail-transport';
import { SuppressionsService } from './suppressions.service';
import { rewriteForTracking } from './track-links';

/** How long a claimed (`sending`) message belongs to its worker; after that another worker may retry it. */
export const LEASE_MS = 5 * 60_000;
export const CLAIM_BATCH = 50;

interface ClaimedRow {
  id: string;
  customer_id: string;
  template_id: string;
  template_version: number;
  attempts: number;
  message_id_header: string;
  context: { event?: Record<string, unknown>; journey?: Record<string, unknown>; variant?: string };
}

type TemplateMemo = Map<string, ReturnType<TemplatesService['findVersion']>>;

/** What a claimed batch reads once for all its messages. */
interface BatchReads {
  templates: TemplateMemo;
  facts: Promise<Map<string, StoredCustomerFacts>>;
}

type GuardOutcome = { pass: true; email: string } | { pass: false };

/**
 * The sender: claims due messages (FOR UPDATE SKIP LOCKED, so any number of workers share the outbox), checks the
 * guards, renders, sends and records the result.
 *
 * Delivery is at-least-once with a narrow window: a claim marks rows `sending` with a lease (next_attempt_at =
 * now + LEASE_MS) and a claim token, and commits before the send. A worker that dies after the SMTP peer accepted a
 * message but before it marked it `sent` leaves the row `sending`; once the lease expires another worker sends it
 * again with the same Message-ID header, so receivers can drop the duplicate. Every other state change is
 * conditional on the claim token, so a worker that lost its lease never overwrites a newer claim's result.
 */
@Injectable()
export class SendMessagesUseCase {
  private readonly host: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly templates: TemplatesService,
    private readonly facts: CustomerFactsRepository,
    private readonly renderer: TemplateRenderer,
    private readonly transport: MailTransport,
    private readonly signer: LinkSigner,
    private readonly suppressions: SuppressionsService,
  ) {
    this.host = publicHost(config.publicUrl);
  }

  /** Claims and processes one batch; returns how many messages it claimed (0 when nothing is due). */
  async executeOnce(batch = CLAIM_BATCH): Promise<number> {
    const now = this.clock.now();
    const token = randomUUID();
    const [claimed]: [ClaimedRow[], number] = await this.dataSource.query(
      `UPDATE messages SET status = 'sending', claim_token = $1, next_attempt_at = $2, attempts = attempts + 1,
                           approved_at = NULL, updated_at = $3
        WHERE id IN (SELECT id FROM messages WHERE status IN ('queued', 'sending') AND next_attempt_at <= $3
                      ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING id, customer_id, template_id, template_version, attempts, message_id_header, context`,
      [token, new Date(now.getTime() + LEASE_MS), now, batch],
    );
    // A template version never changes: one read per version per batch, not one per message.
    const templates: TemplateMemo = new Map();
    // Read before the guards: the same moment-old data one read per message gave, in four queries per batch.
    const facts = claimed.length
      ? this.facts.loadMany([...new Set(claimed.map((r) => r.customer_id))])
      : Promise.resolve(new Map<string, StoredCustomerFacts>());
    facts.catch(() => undefined); // awaited (and reported) per message
    await Promise.all(
      claimed.map((row) =>
        this.process(row, token, { templates, facts }).catch((error) =>
          this.logger.error({ err: error, messageId: row.id }, 'sending a message failed unexpectedly'),
        ),
      ),
    );
    return claimed.length;
  }

  private async process(row: ClaimedRow, token: string, batch: BatchReads): Promise<void> {
    const guard = await this.guard(row, token);
    if (!guard.pass) return;

    let mail;
    try {
      mail = await this.build(row, guard.email, batch);
    } catch (error) {
      await this.finish(row, token, 'failed', { lastError: `render: ${(error as Error).message}` });
      return;
    }
    try {
      const receipt = await this.transport.send(mail);
      // One statement, so one round trip: the event is written only if this claim still owned the row.
      await this.dataSource.query(
        `WITH sent AS (
           UPDATE messages SET status = 'sent', sent_at = $3, subject = $4, provider_message_id = $5, links = $6,
                               skip_reason = NULL, last_error = NULL, claim_token = NULL, updated_at = $3
            WHERE id = $1 AND claim_token = $2
            RETURNING id, customer_id)
         INSERT INTO message_events (message_id, customer_id, type, data, at)
         SELECT id, customer_id, 'sent', '{}', $3 FROM sent`,
        [
          row.id,
          token,
          this.clock.now(),
          mail.subject,
          receipt.providerMessageId,
          JSON.stringify(mail.links),
        ],
      );
    } catch (error) {
      await this.failed(row, token, guard.email, error);
    }
  }

  /**
   * The guards, atomically per customer (the customer row is locked, so two workers cannot both pass the frequency
   * cap): consent, suppression, frequency cap, quiet hours (deferred, not dropped). Passing stamps approved_at, which
   * counts the in-flight message against the cap.
   */
  private guard(row: ClaimedRow, token: string): Promise<GuardOutcome> {
    return this.tx.run(async (m) => {
      const now = this.clock.now();
      const [c] = await m.query(
        `SELECT email, timezone, marketing_consent FROM customers WHERE id = $1 FOR UPDATE`,
        [row.customer_id],
      );
      const [mine] = await m.query(`SELECT 1 FROM messages WHERE id = $1 AND claim_token = $2 FOR UPDATE`, [
        row.id,
        token,
      ]);
      if (!c || !mine) return { pass: false }; // erased, or the lease was lost to another worker
      const stop = async (status: 'skipped' | 'suppressed', reason: string) => {
        await m.query(
          `UPDATE messages SET status = $3, skip_reason = $4, to_email = $5, claim_token = NULL, updated_at = $6
            WHERE id = $1 AND claim_token = $2`,
          [row.id, token, status, reason, c.email, now],
        );
        return { pass: false } as const;
      };
      if (!c.email) return stop('skipped', 'no_email');
      if (c.marketing_consent !== true) return stop('skipped', 'no_consent');
      const [suppressed] = await m.query(`SELECT reason FROM suppressions WHERE email = lower($1)`, [
        c.email,
      ]);
      if (suppressed) return stop('suppressed', `suppressed:${suppressed.reason}`);
      const cap = this.config.frequencyCap;
      const since = new Date(now.getTime() - cap.windowMs);
      const [{ n }] = await m.query(
        `SELECT count(*)::int AS n FROM messages
          WHERE customer_id = $1 AND id <> $2
            AND ((status = 'sent' AND sent_at > $3) OR (status = 'sending' AND approved_at > $3))`,
        [row.customer_id, row.id, since],
      );
      if (n >= cap.max) return stop('skipped', 'frequency_cap');
      const until = quietUntil(now, c.timezone, this.config.quietHours);
      if (until) {
        // Deferred, not an attempt: back to the queue until the quiet hours end.
        await m.query(
          `UPDATE messages SET status = 'queued', next_attempt_at = $3, attempts = attempts - 1, skip_reason = 'quiet_hours',
                               claim_token = NULL, updated_at = $4
            WHERE id = $1 AND claim_token = $2`,
          [row.id, token, until, now],
        );
        return { pass: false };
      }
      await m.query(`UPDATE messages SET approved_at = $2, to_email = $3 WHERE id = $1`, [
        row.id,
        now,
        c.email,
      ]);
      return { pass: true, email: c.email as string };
    });
  }

  private async build(row: ClaimedRow, email: string, batch: BatchReads) {
    const key = `${row.template_id}@${row.template_version}`;
    let pending = batch.templates.get(key);
    if (!pending) {
      pending = this.templates.findVersion(row.template_id, row.template_version);
      batch.templates.set(key, pending);
    }
    const version = await pending;
    const stored = (await batch.facts).get(row.customer_id) ?? (await this.facts.load(row.customer_id));
    const sign = await this.signer.signer();
    const unsubscribe = sign({ kind: 'u', messageId: row.id });
    const rendered = await this.renderer.render(version, {
      customer: stored.customer,
      segments: stored.segments,
      event: row.context?.event,
      journey: row.context?.journey,
      variant: row.context?.variant,
      tokens: { unsubscribe },
    });
    const base = this.config.publicUrl.replace(/\/+$/, '');
    const tracked = rewriteForTracking(
      rendered.html,
      (url) => !url.startsWith(`${base}/u/`) && !url.startsWith(`${base}/t/`),
      (index) => `${base}/t/c/${sign({ kind: 'c', messageId: row.id, index })}`,
      `${base}/t/o/${sign({ kind: 'o', messageId: row.id })}`,
    );
    return {
      links: tracked.links,
      from: version.from ?? `Waymark <no-reply@${this.host}>`,
      replyTo: version.replyTo ?? undefined,
      to: email,
      subject: rendered.subject,
      html: tracked.html,
      text: rendered.text,
      messageId: row.message_id_header,
      headers: {
        'List-Unsubscribe': `<mailto:unsubscribe@${this.host}?subject=unsubscribe%20${unsubscribe}>, <${base}/u/${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
  }

  private async failed(row: ClaimedRow, token: string, email: string, error: unknown): Promise<void> {
    const detail = (error as Error).message?.slice(0, 1000) ?? String(error);
    if (classifySendError(error) === 'permanent') {
      await this.tx.run(async (m) => {
        const now = this.clock.now();
        const [, n] = await m.query(
          `UPDATE messages SET status = 'bounced', last_error = $3, claim_token = NULL, updated_at = $4
            WHERE id = $1 AND claim_token = $2`,
          [row.id, token, detail, now],
        );
        if (!n) return;
        await this.suppressions.add(email, 'bounce', m);
        await m.query(
          `INSERT INTO message_events (message_id, customer_id, type, data, at) VALUES ($1, $2, 'bounce', $3, $4)`,
          [row.id, row.customer_id, { error: detail }, now],
        );
        await recordCustomerEvent(
          m,
          row.customer_id,
          'Email Bounced',
          `bounce:${row.id}`,
          { messageId: row.id },
          now,
        );
      });
      return;
    }
    if (row.attempts >= MAX_ATTEMPTS) {
      await this.finish(row, token, 'failed', { lastError: detail });
      return;
    }
    const now = this.clock.now();
    await this.dataSource.query(
      `UPDATE messages SET status = 'queued', next_attempt_at = $3, last_error = $4, claim_token = NULL, approved_at = NULL,
                           updated_at = $5
        WHERE id = $1 AND claim_token = $2`,
      [row.id, token, new Date(now.getTime() + backoffMs(row.attempts)), detail, now],
    );
  }

  private async finish(
    row: ClaimedRow,
    token: string,
    status: 'failed',
    info: { lastError: string },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE messages SET status = $3, last_error = $4, claim_token = NULL, updated_at = $5 WHERE id = $1 AND claim_token = $2`,
      [row.id, token, status, info.lastError.slice(0, 1000), this.clock.now()],
    );
  }
}
