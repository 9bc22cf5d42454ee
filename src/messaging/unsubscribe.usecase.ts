import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { CustomerEventRecorder } from './customer-events';
import { LinkKind, LinkSigner } from './link-signer';
import { MessagingException } from './messaging.exception';
import { SuppressionsService } from './suppressions.service';

export interface UnsubscribeTarget {
  messageId: string;
  customerId: string;
  email: string | null;
}

/**
 * Unsubscribe links (`/u/:token`, the preferences page `/p/:token`, the mailto address): the signed token names a
 * message; unsubscribing sets the customer's marketing
 * consent to false (source `unsubscribe`), suppresses the address and records an `Unsubscribed` customer event and
 * an `unsubscribe` message event, all in one transaction. Repeating it changes nothing more.
 */
@Injectable()
export class UnsubscribeUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly customerEvents: CustomerEventRecorder,
    private readonly signer: LinkSigner,
    private readonly suppressions: SuppressionsService,
  ) {}

  /** The message a token of that kind names; 404 LINK_NOT_FOUND for a bad, forged or erased one. */
  async resolve(token: string, kind: LinkKind = 'u'): Promise<UnsubscribeTarget> {
    const claim = await this.signer.verify(token, kind);
    if (!claim) throw MessagingException.linkNotFound();
    const [row] = await this.dataSource.query(
      `SELECT m.id, m.customer_id, coalesce(m.to_email, c.email) AS email
         FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.id = $1`,
      [claim.messageId],
    );
    if (!row) throw MessagingException.linkNotFound();
    return { messageId: row.id, customerId: row.customer_id, email: row.email };
  }

  async execute(token: string): Promise<UnsubscribeTarget> {
    const target = await this.resolve(token);
    await this.unsubscribe(target, {});
    return target;
  }

  /** Unsubscribes the customer a resolved token names; `data` goes on the `unsubscribe` message event. */
  async unsubscribe(target: UnsubscribeTarget, data: Record<string, unknown>): Promise<void> {
    await this.tx.run(async (m) => {
      const now = this.clock.now();
      await m.query(
        `UPDATE customers SET marketing_consent = false, consent_source = 'unsubscribe', consent_at = $2, updated_at = $2
          WHERE id = $1 AND marketing_consent IS DISTINCT FROM false`,
        [target.customerId, now],
      );
      if (target.email) await this.suppressions.add(target.email, 'unsubscribe', m);
      const first = await this.customerEvents.record(
        m,
        target.customerId,
        'Unsubscribed',
        `unsubscribe:${target.messageId}`,
        { messageId: target.messageId },
        now,
      );
      if (first)
        await m.query(
          `INSERT INTO message_events (message_id, customer_id, type, data, at) VALUES ($1, $2, 'unsubscribe', $3, $4)`,
          [target.messageId, target.customerId, data, now],
        );
    });
  }
}
