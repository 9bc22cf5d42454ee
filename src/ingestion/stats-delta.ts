import type { IncomingMessage } from './message';

export interface ProfileUpdate {
  customerId: string;
  traits: Record<string, unknown>;
  email: string | null;
  timezone: string | null;
  consent: boolean | null;
  consentAt: Date | null;
  /** The identify calls folded into this update: applied only if all of them were stored (not replays). */
  messageIds: string[];
}

/** Folds identify calls into one profile update per customer; later calls in the batch win. */
export function mergeProfileUpdates(
  identifies: IncomingMessage[],
  customerOf: (m: IncomingMessage) => string,
): ProfileUpdate[] {
  const byCustomer = new Map<string, ProfileUpdate>();
  for (const m of identifies) {
    const customerId = customerOf(m);
    const u = byCustomer.get(customerId) ?? {
      customerId,
      traits: {},
      email: null,
      timezone: null,
      consent: null,
      consentAt: null,
      messageIds: [],
    };
    Object.assign(u.traits, m.traits);
    u.messageIds.push(m.messageId);
    const { email, timezone, marketingConsent } = m.traits;
    if (typeof email === 'string') u.email = email;
    if (typeof timezone === 'string') u.timezone = timezone;
    if (typeof marketingConsent === 'boolean' && (!u.consentAt || m.timestamp >= u.consentAt)) {
      u.consent = marketingConsent;
      u.consentAt = m.timestamp;
    }
    byCustomer.set(customerId, u);
  }
  return [...byCustomer.values()].sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
}
