import {
  capWindowKey,
  capWindows,
  decideBatch,
  type GuardedCustomer,
  type GuardedMessage,
  type GuardFacts,
  type GuardPolicy,
} from './send-verdicts';

const now = new Date('2026-03-02T12:00:00Z');
const policy: GuardPolicy = { now, frequencyCap: { max: 3, windowMs: 7 * 86_400_000 }, quietHours: null };
const DAY = 86_400_000;

let seq = 0;
const msg = (customerId: string, extra: Partial<GuardedMessage> = {}): GuardedMessage => ({
  id: `m${++seq}`,
  customerId,
  kind: 'marketing',
  capKey: null,
  capMax: null,
  capWithinMs: null,
  ...extra,
});
const customer = (extra: Partial<GuardedCustomer> = {}): GuardedCustomer => ({
  email: 'a@example.com',
  timezone: 'UTC',
  marketingConsent: true,
  ...extra,
});

function facts(
  messages: GuardedMessage[],
  customers: Record<string, GuardedCustomer>,
  more: Partial<GuardFacts> = {},
) {
  return {
    customers: new Map(Object.entries(customers)),
    claimed: new Set(messages.map((m) => m.id)),
    suppressed: new Map<string, string>(),
    counts: new Map<string, number>(),
    ...more,
  };
}

describe('decideBatch', () => {
  it('lets through only as many of one customer’s messages as the global cap leaves, in order', () => {
    const batch = [msg('c1'), msg('c1'), msg('c2'), msg('c1')];
    const counts = new Map([
      [capWindowKey({ customerId: 'c1', capKey: null, since: new Date(+now - 7 * DAY) }), 2],
    ]);
    const verdicts = decideBatch(
      batch,
      facts(batch, { c1: customer(), c2: customer({ email: 'b@x.org' }) }, { counts }),
      policy,
    );
    expect(verdicts.map((v) => (v.action === 'stop' ? v.reason : v.action))).toEqual([
      'send',
      'frequency_cap',
      'send',
      'frequency_cap',
    ]);
  });

  it('counts earlier messages of the batch with the same cap key against a per-journey cap of 1', () => {
    const cap = { capKey: 'journey:j1', capMax: 1, capWithinMs: DAY };
    const batch = [
      msg('c1', cap),
      msg('c1', cap),
      msg('c1', { capKey: 'journey:j2', capMax: 1, capWithinMs: DAY }),
    ];
    const verdicts = decideBatch(batch, facts(batch, { c1: customer() }), policy);
    expect(verdicts.map((v) => (v.action === 'stop' ? v.reason : v.action))).toEqual([
      'send',
      'frequency_cap:journey:j1',
      'send',
    ]);
  });

  it('gives mixed verdicts in one batch, each with its reason, and never caps transactional mail', () => {
    const batch = [
      msg('none'),
      msg('noEmail'),
      msg('noConsent'),
      msg('noConsent', { kind: 'transactional' }),
      msg('suppressed'),
      msg('suppressed', { kind: 'transactional' }),
      msg('lost'),
      msg('ok'),
    ];
    const f = facts(
      batch,
      {
        noEmail: customer({ email: null }),
        noConsent: customer({ marketingConsent: false, email: 'n@x.org' }),
        suppressed: customer({ email: 'S@x.org' }),
        lost: customer(),
        ok: customer({ email: 'ok@x.org' }),
      },
      { suppressed: new Map([['s@x.org', 'bounce']]) },
    );
    f.claimed.delete(batch[6].id);
    const verdicts = decideBatch(batch, f, { ...policy, frequencyCap: { max: 0, windowMs: DAY } });
    expect(verdicts.map((v) => (v.action === 'stop' ? `${v.status}:${v.reason}` : v.action))).toEqual([
      'drop',
      'skipped:no_email',
      'skipped:no_consent',
      'send',
      'suppressed:suppressed:bounce',
      'suppressed:suppressed:bounce',
      'drop',
      'skipped:frequency_cap',
    ]);
  });

  it('defers marketing mail in quiet hours (the customer’s zone) and does not count it against the cap', () => {
    const quiet = {
      ...policy,
      quietHours: { start: 21 * 60, end: 8 * 60 },
      frequencyCap: { max: 1, windowMs: DAY },
    };
    const batch = [msg('tokyo'), msg('tokyo', { kind: 'transactional' }), msg('paris'), msg('paris')];
    const verdicts = decideBatch(
      batch,
      facts(batch, {
        tokyo: customer({ timezone: 'Asia/Tokyo' }),
        paris: customer({ timezone: 'Europe/Paris' }),
      }),
      quiet,
    );
    expect(verdicts[0]).toEqual({
      id: batch[0].id,
      action: 'defer',
      until: new Date('2026-03-02T23:00:00Z'),
    });
    expect(verdicts.slice(1).map((v) => (v.action === 'stop' ? v.reason : v.action))).toEqual([
      'send',
      'send',
      'frequency_cap',
    ]);
  });
});

describe('capWindows', () => {
  it('asks once per customer, key and window, and never for transactional mail', () => {
    const cap = { capKey: 'k', capMax: 1, capWithinMs: DAY };
    const windows = capWindows(
      [msg('c1', cap), msg('c1', cap), msg('c1'), msg('c2', { kind: 'transactional' })],
      policy,
    );
    expect(windows).toEqual([
      { customerId: 'c1', capKey: null, since: new Date(+now - 7 * DAY) },
      { customerId: 'c1', capKey: 'k', since: new Date(+now - DAY) },
    ]);
  });
});
