import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../common/logging/logger.token';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.token';
import { Clock } from '../database/clock';
import { queryPrepared } from '../database/prepared-query';
import { TransactionService } from '../database/transaction.service';
import { CustomerEventRecorder } from './customer-events';
import { BatchGuard } from './batch-guard';
import { backoffMs, classifySendError, MAX_ATTEMPTS, publicHost } from './delivery-rules';
import { MailTransport } from './mail-transport';
import { unsubscribeMailto } from './inbound-unsubscribe.usecase';
import { MessageRenderer, type BatchReads, type RenderableMessageRow } from './message-renderer';
import type { MessageKind } from './messages.service';
import type { GuardedMessage } from './send-verdicts';
import { SentRecorder, type SentMessage } from './sent-recorder';
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
  created_at: Date;
}

const guarded = (r: ClaimedRow): GuardedMessage => ({
  id: r.id,
  customerId: r.customer_id,
  kind: r.kind,
  capKey: r.cap_key,
  capMax: r.cap_max,
  capWithinMs: r.cap_within_ms === null ? null : Number(r.cap_within_ms),
});

/**
 * The sender: claims due messages (FOR UPDATE SKIP LOCKED, so any number of workers share the outbox), checks the
 * guards for the whole batch at once (BatchGuard), renders and sends the approved ones concurrently, and records the
 * accepted ones in one statement (SentRecorder); failures are rare and recorded one at a time.
 *
 * Delivery is at-least-once with a narrow window: a claim marks rows `sending` with a lease (next_attempt_at =
 * now + LEASE_MS) and a claim token, and commits before the send. A worker that dies after the SMTP peer accepted a
 * message but before it marked it `sent` leaves the row `sending`; once the lease expires another worker sends it
 * again with the same Message-ID header, so receivers can drop the duplicate. Marking a batch at once widens that
 * window to the batch's slowest send, not its semantics. Every other state change is
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
    private readonly customerEvents: CustomerEventRecorder,
    private readonly messages: MessageRenderer,
    private readonly transport: MailTransport,
    private readonly suppressions: SuppressionsService,
    private readonly guard: BatchGuard,
    private readonly recorder: SentRecorder,
  ) {
    this.host = publicHost(config.publicUrl);
  }

  /** Claims and processes one batch; returns how many messages it claimed (0 when nothing is due). */
  async executeOnce(batch = CLAIM_BATCH): Promise<number> {
    const now = this.clock.now();
    const token = randomUUID();
    const claimed = await queryPrepared<ClaimedRow>(
      this.dataSource.manager,
      `UPDATE messages SET status = 'sending', claim_token = $1, next_attempt_at = $2, attempts = attempts + 1,
                           approved_at = NULL, updated_at = $3
        WHERE id IN (SELECT id FROM messages WHERE status IN ('queued', 'sending') AND next_attempt_at <= $3
                      ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING id, customer_id, template_id, template_version, kind, journey_id, node_id, cap_key, cap_max,
                  cap_within_ms, attempts, message_id_header, context, created_at`,
      [token, new Date(now.getTime() + LEASE_MS), now, batch],
    );
    if (!claimed.length) return 0;
    // The order the guards decide in (which of a customer's messages a cap lets through): oldest first.
    claimed.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id));
    // Read before the guards (in parallel with them): the same moment-old data one read per message gave.
    const reads = this.messages.batchReads(claimed.map((r) => r.customer_id));
    const verdicts = await this.guard.check(claimed.map(guarded), token);
    const byId = new Map(claimed.map((r) => [r.id, r]));
    const sent: SentMessage[] = [];
    await Promise.all(
      verdicts.map(async (v) => {
        if (v.action !== 'send') return;
        const row = byId.get(v.id)!;
        try {
          const done = await this.process(row, v.email, token, reads);
          if (done) sent.push(done);
        } catch (error) {
          this.logger.error({ err: error, messageId: row.id }, 'sending a message failed unexpectedly');
        }
      }),
    );
    await this.recorder.record(token, sent);
    return claimed.length;
  }

  /** Renders and sends one approved message; what to record when the peer accepted it, else null (handled). */
  private async process(
    row: ClaimedRow,
    email: string,
    token: string,
    batch: BatchReads,
  ): Promise<SentMessage | null> {
    let mail;
    try {
      mail = await this.build(row, email, batch);
    } catch (error) {
      await this.finish(row, token, 'failed', { lastError: `render: ${(error as Error).message}` });
      return null;
    }
    let receipt;
    try {
      receipt = await this.transport.send(mail);
    } catch (error) {
      await this.failed(row, token, email, error);
      return null;
    }
    return {
      id: row.id,
      subject: mail.subject,
      providerMessageId: receipt.providerMessageId,
      links: mail.links,
      templateKey: mail.templateKey,
    };
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
        await this.customerEvents.record(
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
