import type { EntityManager } from 'typeorm';
import type { EnqueueInput, MessagesService } from '../../messaging/messages.service';

interface PendingSend {
  runId: string;
  input: EnqueueInput & { idempotencyKey: string };
  /** The timeline detail of the step, completed with the message id once the row exists. */
  detail: Record<string, unknown>;
}

/** Thrown when a queued send found no customer (erased meanwhile): the batch is replayed run by run. */
export class SendTargetGone extends Error {}

/** The outbox rows of send_email steps, written together at the end of the step's transaction. */
export class PendingSends {
  private sends: PendingSend[] = [];

  add(runId: string, input: PendingSend['input'], detail: Record<string, unknown>): void {
    this.sends.push({ runId, input, detail });
  }

  discard(runId: string): void {
    this.sends = this.sends.filter((s) => s.runId !== runId);
  }

  async flush(manager: EntityManager, messages: MessagesService): Promise<void> {
    const sends = this.sends;
    this.sends = [];
    const results = await messages.enqueueMany(
      manager,
      sends.map((s) => s.input),
    );
    for (const [k, r] of results.entries()) {
      if (!r) throw new SendTargetGone(`customer ${sends[k].input.customerId} no longer exists`);
      Object.assign(sends[k].detail, { messageId: r.id, replayed: !r.created });
    }
  }
}
