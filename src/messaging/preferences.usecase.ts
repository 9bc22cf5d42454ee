import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import type { PreferenceAction, SuppressionReason } from './messaging.dto';
import { MessagingException } from './messaging.exception';
import { UnsubscribeTarget, UnsubscribeUseCase } from './unsubscribe.usecase';

export interface SubscriptionState {
  email: string | null;
  /** Marketing email goes to this address: consent given and no suppression. */
  subscribed: boolean;
  suppression: SuppressionReason | null;
  /** False when a bounce, complaint or an operator's suppression blocks resubscribing here. */
  canResubscribe: boolean;
}

/** Only an unsubscribe suppression is the recipient's own to undo. */
const RECIPIENT_REASONS: (SuppressionReason | null)[] = [null, 'unsubscribe'];

/**
 * The preferences page (`/p/:token`): the address's subscription state, unsubscribing (as `/u/:token` does) and
 * resubscribing, which restores marketing consent (source `preferences`) and removes an `unsubscribe` suppression —
 * never a bounce, complaint or manual one (409 RESUBSCRIBE_NOT_ALLOWED).
 */
@Injectable()
export class PreferencesUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly unsubscribe: UnsubscribeUseCase,
  ) {}

  async state(token: string): Promise<SubscriptionState> {
    return this.stateOf(await this.unsubscribe.resolve(token, 'p'));
  }

  async execute(token: string, action: PreferenceAction): Promise<SubscriptionState> {
    const target = await this.unsubscribe.resolve(token, 'p');
    if (action === 'unsubscribe') await this.unsubscribe.unsubscribe(target, { via: 'preferences' });
    else await this.resubscribe(target);
    return this.stateOf(target);
  }

  private async resubscribe(target: UnsubscribeTarget): Promise<void> {
    await this.tx.run(async (m) => {
      const now = this.clock.now();
      if (target.email) {
        const [row] = await m.query(`SELECT reason FROM suppressions WHERE email = lower($1) FOR UPDATE`, [
          target.email,
        ]);
        if (row && !RECIPIENT_REASONS.includes(row.reason))
          throw MessagingException.resubscribeNotAllowed(row.reason);
        await m.query(`DELETE FROM suppressions WHERE email = lower($1) AND reason = 'unsubscribe'`, [
          target.email,
        ]);
      }
      await m.query(
        `UPDATE customers SET marketing_consent = true, consent_source = 'preferences', consent_at = $2, updated_at = $2
          WHERE id = $1 AND marketing_consent IS DISTINCT FROM true`,
        [target.customerId, now],
      );
    });
  }

  private async stateOf(target: UnsubscribeTarget): Promise<SubscriptionState> {
    const [row] = await this.dataSource.query(
      `SELECT c.marketing_consent, s.reason
         FROM customers c LEFT JOIN suppressions s ON s.email = lower($2) WHERE c.id = $1`,
      [target.customerId, target.email ?? ''],
    );
    if (!row) throw MessagingException.linkNotFound(); // erased meanwhile
    const suppression = (row.reason ?? null) as SuppressionReason | null;
    return {
      email: target.email,
      subscribed: row.marketing_consent === true && suppression === null,
      suppression,
      canResubscribe: RECIPIENT_REASONS.includes(suppression),
    };
  }
}
