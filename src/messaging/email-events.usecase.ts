import { Injectable } from '@nestjs/common';
import { isUuid } from '../common/http/uuid';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { CustomerEventRecorder } from './customer-events';
import type { EmailEventDto } from './messaging.dto';
import { SuppressionsService } from './suppressions.service';

export interface EmailEventResult {
  suppressed: string;
  /** The message the report was matched to, if any. */
  messageId: string | null;
}

/**
 * Asynchronous bounces and complaints reported by a provider (`POST /v1/webhooks/email-events`): the address is
 * suppressed; when the report names one of our messages, a bounce marks it `bounced` and records `Email Bounced`,
 * a complaint withdraws marketing consent (source `complaint`) and records `Email Complained`.
 */
@Injectable()
export class EmailEventsUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly customerEvents: CustomerEventRecorder,
    private readonly suppressions: SuppressionsService,
  ) {}

  async execute(dto: EmailEventDto): Promise<EmailEventResult> {
    return this.tx.run(async (m) => {
      const now = this.clock.now();
      const suppression = await this.suppressions.add(dto.email, dto.type, m);
      const ref = dto.messageId;
      const [row] = ref
        ? await m.query(
            `SELECT id, customer_id FROM messages WHERE ${isUuid(ref) ? 'id = $1::uuid' : 'message_id_header = $1'} FOR UPDATE`,
            [ref],
          )
        : [];
      if (!row) return { suppressed: suppression.email, messageId: null };
      await m.query(
        `INSERT INTO message_events (message_id, customer_id, type, data, at) VALUES ($1, $2, $3, $4, $5)`,
        [row.id, row.customer_id, dto.type, { email: dto.email, source: 'webhook' }, now],
      );
      if (dto.type === 'bounce') {
        await m.query(
          `UPDATE messages SET status = 'bounced', last_error = 'reported by webhook', updated_at = $2
            WHERE id = $1 AND status = 'sent'`,
          [row.id, now],
        );
        await this.customerEvents.record(
          m,
          row.customer_id,
          'Email Bounced',
          `bounce:${row.id}`,
          { messageId: row.id },
          now,
        );
      } else {
        await m.query(
          `UPDATE customers SET marketing_consent = false, consent_source = 'complaint', consent_at = $2, updated_at = $2
            WHERE id = $1`,
          [row.customer_id, now],
        );
        await this.customerEvents.record(
          m,
          row.customer_id,
          'Email Complained',
          `complaint:${row.id}`,
          { messageId: row.id },
          now,
        );
      }
      return { suppressed: suppression.email, messageId: row.id as string };
    });
  }
}
