import type { IncomingMessage } from './message';

export type IdentityKind = 'userId' | 'anonymousId' | 'email';

export interface KnownIdentity {
  customerId: string;
  /** The customer's userId, if it has one: an identified customer is never merged into another silently. */
  customerUserId: string | null;
}

export interface IdentityPlan {
  /** Customer of each message, by position. */
  customerOf: string[];
  newCustomers: { id: string; externalId: string | null }[];
  newIdentities: { kind: IdentityKind; value: string; customerId: string }[];
  /** Existing customers whose history moves into another one (anonymous → identified, alias). */
  merges: { from: string; into: string }[];
  /** Existing anonymous customers that just got their userId. */
  externalIds: { customerId: string; externalId: string }[];
}

export const identityKey = (kind: IdentityKind, value: string) => `${kind}:${value}`;

/**
 * Decides, in message order, which customer each message belongs to and which customers, identities and merges
 * that requires. Pure: `known` is what the database holds for the batch's identities, `newId` makes ids.
 *
 * Rules: a userId names one customer. An anonymousId seen before the userId is linked to it on the first message
 * that carries both, and the anonymous customer's history merges into the identified one, unless the anonymous
 * customer already has another userId (a shared device), in which case nothing is merged.
 */
export function planIdentities(
  messages: IncomingMessage[],
  known: Map<string, KnownIdentity>,
  newId: () => string,
): IdentityPlan {
  const ids = new Map(known);
  const userIdOf = new Map<string, string | null>();
  for (const k of known.values()) userIdOf.set(k.customerId, k.customerUserId);
  const redirect = new Map<string, string>();
  const created = new Set<string>();
  const plan: IdentityPlan = {
    customerOf: [],
    newCustomers: [],
    newIdentities: [],
    merges: [],
    externalIds: [],
  };

  const resolve = (id: string): string => {
    let current = id;
    while (redirect.has(current)) current = redirect.get(current)!;
    return current;
  };
  const lookup = (kind: IdentityKind, value: string | undefined) => {
    if (value === undefined) return undefined;
    const found = ids.get(identityKey(kind, value));
    return found ? resolve(found.customerId) : undefined;
  };
  const link = (kind: IdentityKind, value: string, customerId: string) => {
    ids.set(identityKey(kind, value), { customerId, customerUserId: userIdOf.get(customerId) ?? null });
    plan.newIdentities.push({ kind, value, customerId });
  };
  const create = (userId: string | null) => {
    const id = newId();
    created.add(id);
    userIdOf.set(id, userId);
    plan.newCustomers.push({ id, externalId: userId });
    return id;
  };
  const merge = (from: string, into: string) => {
    redirect.set(from, into);
    if (!created.has(from)) plan.merges.push({ from, into });
  };

  for (const m of messages) {
    const { userId, anonymousId } = m;
    let target: string;
    if (m.type === 'alias') {
      target = lookup('userId', userId) ?? create(userId!);
      if (!ids.has(identityKey('userId', userId!))) link('userId', userId!, target);
      const previous = lookup('userId', m.previousId) ?? lookup('anonymousId', m.previousId);
      if (previous && previous !== target) merge(previous, target);
      else if (!previous) link('anonymousId', m.previousId!, target);
    } else if (userId !== undefined) {
      const byUser = lookup('userId', userId);
      const byAnonymous = lookup('anonymousId', anonymousId);
      if (byUser) {
        target = byUser;
        if (byAnonymous && byAnonymous !== byUser && !userIdOf.get(byAnonymous)) merge(byAnonymous, byUser);
        else if (anonymousId !== undefined && !byAnonymous) link('anonymousId', anonymousId, target);
      } else if (byAnonymous && !userIdOf.get(byAnonymous)) {
        target = byAnonymous;
        userIdOf.set(target, userId);
        link('userId', userId, target);
        if (created.has(target)) plan.newCustomers.find((c) => c.id === target)!.externalId = userId;
        else plan.externalIds.push({ customerId: target, externalId: userId });
      } else {
        target = create(userId);
        link('userId', userId, target);
        if (anonymousId !== undefined && !byAnonymous) link('anonymousId', anonymousId, target);
      }
    } else {
      target = lookup('anonymousId', anonymousId) ?? create(null);
      if (!ids.has(identityKey('anonymousId', anonymousId!))) link('anonymousId', anonymousId!, target);
    }

    const email = m.type === 'identify' ? m.traits.email : undefined;
    if (typeof email === 'string' && !ids.has(identityKey('email', email.toLowerCase()))) {
      link('email', email.toLowerCase(), target);
    }
    plan.customerOf.push(target);
  }

  plan.customerOf = plan.customerOf.map(resolve);
  plan.newCustomers = plan.newCustomers.filter((c) => !redirect.has(c.id));
  plan.newIdentities = plan.newIdentities.map((i) => ({ ...i, customerId: resolve(i.customerId) }));
  plan.merges = plan.merges.map((mg) => ({ from: mg.from, into: resolve(mg.into) }));
  plan.externalIds = plan.externalIds.filter((e) => !redirect.has(e.customerId));
  return plan;
}

/** Every identity a batch mentions, for the lookup and the locks taken before planning. */
export function identityKeys(messages: IncomingMessage[]): { kind: IdentityKind; value: string }[] {
  const seen = new Map<string, { kind: IdentityKind; value: string }>();
  const add = (kind: IdentityKind, value: string | undefined) => {
    if (value !== undefined) seen.set(identityKey(kind, value), { kind, value });
  };
  for (const m of messages) {
    add('userId', m.userId);
    add('anonymousId', m.anonymousId);
    if (m.type === 'alias') {
      add('userId', m.previousId);
      add('anonymousId', m.previousId);
    }
    if (m.type === 'identify' && typeof m.traits.email === 'string')
      add('email', m.traits.email.toLowerCase());
  }
  return [...seen.values()];
}
