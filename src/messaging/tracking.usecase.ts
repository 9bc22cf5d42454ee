import { Injectable } from '@nestjs/common';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { CustomerEventRecorder } from './customer-events';
import { LinkSigner } from './link-signer';
import { MessagingException } from './messaging.exception';

/**
 * Opens (pixel) and clicks (redirect). Every hit is a message event; the first open of a message and the first
 * click on each of its links are also customer events (`Email Opened`, `Email Clicked`), so segments count emails
 * opened, not pixel loads. A click redirects only to a URL recorded in that message at send time.
 */
@Injectable()
export class TrackingUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly customerEvents: CustomerEventRecorder,
    private readonly signer: LinkSigner,
  ) {}

  async open(token: string): Promise<void> {
    const claim = await this.signer.verify(token, 'o');
    if (!claim) throw MessagingException.linkNotFound();
    await this.tx.run(async (m) => {
      const [row] = await m.query(`SELECT id, customer_id, template_id FROM messages WHERE id = $1`, [
        claim.messageId,
      ]);
      if (!row) throw MessagingException.linkNotFound();
      const now = this.clock.now();
      await m.query(
        `INSERT INTO message_events (message_id, customer_id, type, data, at) VALUES ($1, $2, 'open', '{}', $3)`,
        [row.id, row.customer_id, now],
      );
      await this.customerEvents.record(
        m,
        row.customer_id,
        'Email Opened',
        `open:${row.id}`,
        { messageId: row.id, templateId: row.template_id },
        now,
      );
    });
  }

  /** The URL to redirect to. */
  async click(token: string): Promise<string> {
    const claim = await this.signer.verify(token, 'c');
    if (!claim) throw MessagingException.linkNotFound();
    return this.tx.run(async (m) => {
      const [row] = await m.query(`SELECT id, customer_id, template_id, links FROM messages WHERE id = $1`, [
        claim.messageId,
      ]);
      const url = (row?.links as string[] | undefined)?.[claim.index!];
      if (!row || typeof url !== 'string') throw MessagingException.linkNotFound();
      const now = this.clock.now();
      await m.query(
        `INSERT INTO message_events (message_id, customer_id, type, data, at) VALUES ($1, $2, 'click', $3, $4)`,
        [row.id, row.customer_id, { url, index: claim.index }, now],
      );
      await this.customerEvents.record(
        m,
        row.customer_id,
        'Email Clicked',
        `click:${row.id}:${claim.index}`,
        { messageId: row.id, templateId: row.template_id, url },
        now,
      );
      return url;
    });
  }
}
