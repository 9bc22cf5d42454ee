import { Injectable } from '@nestjs/common';
import { Clock } from '../database/clock';
import { queryPrepared } from '../database/prepared-query';
import { TransactionService } from '../database/transaction.service';
import { CUSTOMER_CHANGES_CHANNEL } from '../ingestion/message';
import { customerEventsCtes } from './customer-events';

export interface SentMessage {
  id: string;
  subject: string;
  providerMessageId: string;
  links: string[];
  templateKey: string;
}

/**
 * Records the messages of a claimed batch the SMTP peer accepted, in one statement: marks them sent (only those
 * still claimed by this batch), adds their `sent` message events and their `Email Sent` customer events (idempotent
 * on `sent:<message id>`, stats by delta, customers queued for segment evaluation). Until it commits they stay
 * `sending`: a crash before that resends them after the lease with the same Message-ID, as one at a time did.
 */
@Injectable()
export class SentRecorder {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  /** Returns how many messages it marked sent. */
  async record(token: string, sent: SentMessage[]): Promise<number> {
    if (!sent.length) return 0;
    return this.tx.run(async (m) => {
      const at = this.clock.now();
      const [{ marked, queued }] = await queryPrepared<{ marked: number; queued: number }>(
        m,
        `WITH accepted AS (
           SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::jsonb[], $7::text[])
                      AS a(id, subject, provider_message_id, links, template_key)),
         marked AS (
           UPDATE messages m SET status = 'sent', sent_at = $2, subject = a.subject,
                                 provider_message_id = a.provider_message_id, links = a.links, skip_reason = NULL,
                                 last_error = NULL, claim_token = NULL, updated_at = $2
             FROM accepted a WHERE m.id = a.id AND m.claim_token = $1
           RETURNING m.id, m.customer_id, m.template_id, m.template_version, m.journey_id, m.node_id, m.kind,
                     a.template_key),
         sent_events AS (
           INSERT INTO message_events (message_id, customer_id, type, data, at)
           SELECT id, customer_id, 'sent', '{}', $2 FROM marked RETURNING 1),
         source AS (
           SELECT 'sent:' || id AS message_id, customer_id,
                  jsonb_build_object('messageId', id, 'templateId', template_id, 'templateKey', template_key,
                                     'templateVersion', template_version, 'journeyId', journey_id,
                                     'nodeId', node_id, 'kind', kind) AS properties
             FROM marked),
         ${customerEventsCtes('source', `'Email Sent'`, '$2::timestamptz')}
         SELECT (SELECT count(*) FROM marked)::int AS marked, (SELECT count(*)::int FROM queued) AS queued`,
        [
          token,
          at,
          sent.map((s) => s.id),
          sent.map((s) => s.subject),
          sent.map((s) => s.providerMessageId),
          sent.map((s) => JSON.stringify(s.links)),
          sent.map((s) => s.templateKey),
        ],
      );
      if (queued > 0) await this.tx.notifyOnCommit(m, CUSTOMER_CHANGES_CHANNEL);
      return marked as number;
    });
  }
}
