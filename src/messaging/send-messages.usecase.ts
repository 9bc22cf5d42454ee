import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { recordCustomerEvent } from './customer-events';
import { backoffMs, classifySendError, MAX_ATTEMPTS, publicHost, quietUntil } from './delivery-rules';
import { MailTransport } from './mail-transport';
import { unsubscribeMailto } from './inbound-unsubscribe.usecase';
import { MessageRenderer, type BatchReads, type RenderableMessageRow } from './message-renderer';
import type { MessageKind } from './messages.service';
import { SuppressionsService } from './suppressions.service';

/** How long a claimed (`sending`) message belongs to its worker; after that another worker may retry it. */
export const LEASE_MS = 5 * 60_000;
export const CLAIM_BATCH = 50;

interface ClaimedRow extends RenderableMessageRow {
  kind: MessageKind;
  journey_id: string | null;
  node_id: string | null;
  cap_key: string | null;
  cap_max: number | null;
  cap_within_ms: string | null;
  attempts: number;
  message_id_header: string;
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
    private readonly messages: MessageRenderer,
    private readonly transport: MailTransport,
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
        RETURNING id, customer_id, template_id, template_version, kind, journey_id, node_id, cap_key, cap_max,
                  cap_within_ms, attempts, message_id_header, context`,
      [token, new Date(now.getTime() + LEASE_MS), now, batch],
    );
    if (!claimed.length) return 0;
    // Read before the guards: the same moment-old data one read per message gave, in four queries per batch.
    const reads = this.messages.batchReads(claimed.map((r) => r.customer_id));
    await Promise.all(
      claimed.map((row) =>
        this.process(row, token, reads).catch((error) =>
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
      await this.tx.run(async (m) => {
        const sentAt = this.clock.now();
        const [, n] = await m.query(
          `UPDATE messages SET status = 'sent', sent_at = $3, subject = $4, provider_message_id = $5, links = $6, skip_reason = NULL,
                               last_error = NULL, claim_token = NULL, updated_at = $3
            WHERE id = $1 AND claim_token = $2`,
          [row.id, token, sentAt, mail.subject, receipt.providerMessageId, JSON.stringify(mail.links)],
        );
        if (!n) return;
        await m.query(
          `INSERT INTO message_events (message_id, customer_id, type, data, at) VALUES ($1, $2, 'sent', '{}', $3)`,
          [row.id, row.customer_id, sentAt],
        );
        await recordCustomerEvent(
          m,
          row.customer_id,
          'Email Sent',
          `sent:${row.id}`,
          {
            messageId: row.id,
            templateId: row.template_id,
            templateKey: mail.templateKey,
            templateVersion: row.template_version,
            journeyId: row.journey_id,
            nodeId: row.node_id,
            kind: row.kind,
          },
          sentAt,
        );
      });
    } catch (error) {
      await this.failed(row, token, guard.email, error);
    }
  }

  /**
   * The guards, atomically per customer (the customer row is locked, so two workers cannot both pass the frequency
   * cap): consent, suppression, the global frequency cap, the message's own cap key (a per-journey cap: earlier
   * messages with the same key), quiet hours (deferred, not dropped). Caps count marketing messages only. A transactional message passes on an address that is not
   * suppressed: it ignores consent, caps and quiet hours. Passing stamps approved_at, which counts the in-flight
   * message against the caps.
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
      const marketing = row.kind !== 'transactional';
      if (!c.email) return stop('skipped', 'no_email');
      if (marketing && c.marketing_consent !== true) return stop('skipped', 'no_consent');
      const [suppressed] = await m.query(`SELECT reason FROM suppressions WHERE email = lower($1)`, [
        c.email,
      ]);
      if (suppressed) return stop('suppressed', `suppressed:${suppressed.reason}`);
      const cap = this.config.frequencyCap;
      if (marketing) {
        const [{ n }] = await m.query(
          `SELECT count(*)::int AS n FROM messages
            WHERE customer_id = $1 AND id <> $2 AND kind = 'marketing'
              AND ((status = 'sent' AND sent_at > $3) OR (status = 'sending' AND approved_at > $3))`,
          [row.customer_id, row.id, new Date(now.getTime() - cap.windowMs)],
        );
        if (n >= cap.max) return stop('skipped', 'frequency_cap');
      }
      if (marketing && row.cap_key !== null) {
        const [{ n: sameKey }] = await m.query(
          `SELECT count(*)::int AS n FROM messages
            WHERE customer_id = $1 AND id <> $2 AND cap_key = $3 AND kind = 'marketing'
              AND ((status = 'sent' AND sent_at > $4) OR (status = 'sending' AND approved_at > $4))`,
          [row.customer_id, row.id, row.cap_key, new Date(now.getTime() - Number(row.cap_within_ms))],
        );
        if (sameKey >= row.cap_max!) return stop('skipped', `frequency_cap:${row.cap_key}`);
      }
      const until = marketing ? quietUntil(now, c.timezone, this.config.quietHours) : null;
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
    const rendered = await this.messages.forSending(row, batch);
    const base = this.config.publicUrl.replace(/\/+$/, '');
    const token = rendered.unsubscribeToken;
    return {
      templateKey: rendered.templateKey,
      links: rendered.links,
      from: rendered.from ?? `Waymark <no-reply@${this.host}>`,
      replyTo: rendered.replyTo ?? undefined,
      to: email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId: row.message_id_header,
      headers: {
        'List-Unsubscribe': `<${unsubscribeMailto(token, this.host)}>, <${base}/u/${token}>`,
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
