/**
 * The sender's guards for a whole claimed batch, as one pure decision: consent, suppression, the global frequency
 * cap, a message's own cap key (per journey), quiet hours. No Nest, no database: the caller reads the facts under
 * the customers' locks and applies the verdicts in the same transaction.
 */
import { quietUntil } from './delivery-rules';
import type { MessageKind } from './messages.service';

export interface GuardedMessage {
  id: string;
  customerId: string;
  kind: MessageKind;
  capKey: string | null;
  capMax: number | null;
  capWithinMs: number | null;
}

export interface GuardedCustomer {
  email: string | null;
  timezone: string | null;
  marketingConsent: boolean | null;
}

/** One count the guards need: a customer's marketing messages (with `capKey`, or all when null) since `since`. */
export interface CapWindow {
  customerId: string;
  capKey: string | null;
  since: Date;
}

export interface GuardPolicy {
  now: Date;
  frequencyCap: { max: number; windowMs: number };
  quietHours: { start: number; end: number } | null;
}

export type Verdict =
  | { id: string; action: 'send'; email: string }
  | { id: string; action: 'stop'; status: 'skipped' | 'suppressed'; reason: string; email: string | null }
  | { id: string; action: 'defer'; until: Date }
  /** The customer was erased or the claim was lost to another worker: leave the row alone. */
  | { id: string; action: 'drop' };

export interface GuardFacts {
  /** Customers that still exist, by id. */
  customers: Map<string, GuardedCustomer>;
  /** Ids of the batch's messages still claimed by this batch. */
  claimed: Set<string>;
  /** Suppressed addresses (lower case) → reason. */
  suppressed: Map<string, string>;
  /**
   * Counts per `capWindowKey`: messages sent in the window or approved and still sending, other than this batch's
   * own (which the decision counts itself, in order).
   */
  counts: Map<string, number>;
}

const isMarketing = (m: GuardedMessage) => m.kind !== 'transactional';

function globalWindow(m: GuardedMessage, policy: GuardPolicy): CapWindow {
  return {
    customerId: m.customerId,
    capKey: null,
    since: new Date(policy.now.getTime() - policy.frequencyCap.windowMs),
  };
}

function keyWindow(m: GuardedMessage, policy: GuardPolicy): CapWindow | null {
  if (m.capKey === null) return null;
  return {
    customerId: m.customerId,
    capKey: m.capKey,
    since: new Date(policy.now.getTime() - Number(m.capWithinMs)),
  };
}

export function capWindowKey(w: CapWindow): string {
  return `${w.customerId}\u0000${w.capKey ?? ''}\u0000${w.since.getTime()}`;
}

/** The distinct counts a batch needs (marketing messages only; transactional mail is never capped). */
export function capWindows(messages: GuardedMessage[], policy: GuardPolicy): CapWindow[] {
  const out = new Map<string, CapWindow>();
  for (const m of messages.filter(isMarketing))
    for (const w of [globalWindow(m, policy), keyWindow(m, policy)])
      if (w && !out.has(capWindowKey(w))) out.set(capWindowKey(w), w);
  return [...out.values()];
}

/**
 * The verdict for each message, in the order given: the same checks, in the same order, as one message at a time
 * under its customer's lock. A message that passes counts against the caps of the batch's later messages for the
 * same customer (it is approved, so it counts as in flight), so a batch cannot exceed a cap that one-at-a-time
 * sending would keep.
 */
export function decideBatch(messages: GuardedMessage[], facts: GuardFacts, policy: GuardPolicy): Verdict[] {
  const approved = new Map<string, GuardedMessage[]>();
  return messages.map((m): Verdict => {
    const c = facts.customers.get(m.customerId);
    if (!c || !facts.claimed.has(m.id)) return { id: m.id, action: 'drop' };
    const stop = (status: 'skipped' | 'suppressed', reason: string): Verdict => ({
      id: m.id,
      action: 'stop',
      status,
      reason,
      email: c.email,
    });
    const marketing = isMarketing(m);
    if (!c.email) return stop('skipped', 'no_email');
    if (marketing && c.marketingConsent !== true) return stop('skipped', 'no_consent');
    const suppressed = facts.suppressed.get(c.email.toLowerCase());
    if (suppressed !== undefined) return stop('suppressed', `suppressed:${suppressed}`);
    const earlier = approved.get(m.customerId) ?? [];
    if (marketing) {
      const w = globalWindow(m, policy);
      const inBatch = earlier.filter((e) => isMarketing(e) && inWindow(policy.now, w)).length;
      if ((facts.counts.get(capWindowKey(w)) ?? 0) + inBatch >= policy.frequencyCap.max)
        return stop('skipped', 'frequency_cap');
      const k = keyWindow(m, policy);
      if (k) {
        const inBatchKey = earlier.filter(
          (e) => isMarketing(e) && e.capKey === m.capKey && inWindow(policy.now, k),
        ).length;
        if ((facts.counts.get(capWindowKey(k)) ?? 0) + inBatchKey >= m.capMax!)
          return stop('skipped', `frequency_cap:${m.capKey}`);
      }
    }
    const until = marketing ? quietUntil(policy.now, c.timezone, policy.quietHours) : null;
    if (until) return { id: m.id, action: 'defer', until };
    approved.set(m.customerId, [...earlier, m]);
    return { id: m.id, action: 'send', email: c.email };
  });
}

/** An approved message is stamped `now`; a window counts what was approved after its start. */
const inWindow = (now: Date, w: CapWindow) => now.getTime() > w.since.getTime();
