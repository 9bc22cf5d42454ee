import type { IncomingMessage } from './message';

export interface StatsDelta {
  customerId: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  ordersCount: number;
  revenueTotal: number;
  eventsCount: number;
  eventCounts: Record<string, number>;
}

/**
 * Folds stored messages into one customer_stats increment per customer, sorted by customer id so concurrent
 * upserts lock rows in the same order. `orderAmount` returns the revenue of an order, undefined for other events.
 */
export function accumulateStats(
  messages: IncomingMessage[],
  customerOf: (m: IncomingMessage) => string,
  orderAmount: (m: IncomingMessage) => number | undefined,
): StatsDelta[] {
  const byCustomer = new Map<string, StatsDelta>();
  for (const m of messages) {
    const customerId = customerOf(m);
    let d = byCustomer.get(customerId);
    if (!d) {
      d = {
        customerId,
        firstSeenAt: m.timestamp,
        lastSeenAt: m.timestamp,
        firstOrderAt: null,
        lastOrderAt: null,
        ordersCount: 0,
        revenueTotal: 0,
        eventsCount: 0,
        eventCounts: {},
      };
      byCustomer.set(customerId, d);
    }
    if (m.timestamp < d.firstSeenAt) d.firstSeenAt = m.timestamp;
    if (m.timestamp > d.lastSeenAt) d.lastSeenAt = m.timestamp;
    d.eventsCount++;
    if (m.event !== undefined) d.eventCounts[m.event] = (d.eventCounts[m.event] ?? 0) + 1;
    const amount = orderAmount(m);
    if (amount !== undefined) {
      d.ordersCount++;
      d.revenueTotal += amount;
      if (!d.firstOrderAt || m.timestamp < d.firstOrderAt) d.firstOrderAt = m.timestamp;
      if (!d.lastOrderAt || m.timestamp > d.lastOrderAt) d.lastOrderAt = m.timestamp;
    }
  }
  return [...byCustomer.values()].sort((a, b) =>
    a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0,
  );
}

export interface ProfileUpdate {
  customerId: string;
  traits: Record<string, unknown>;
  email: string | null;
  timezone: string | null;
  consent: boolean | null;
  consentAt: Date | null;
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
    };
    Object.assign(u.traits, m.traits);
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
