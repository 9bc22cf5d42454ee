import { identityKey, KnownIdentity, planIdentities } from './identity-plan';
import type { IncomingMessage } from './message';

const at = new Date('2026-01-01T00:00:00Z');
const msg = (m: Partial<IncomingMessage>): IncomingMessage => ({
  type: 'track',
  messageId: Math.random().toString(36),
  generatedMessageId: false,
  properties: {},
  traits: {},
  context: {},
  timestamp: at,
  receivedAt: at,
  event: 'X',
  ...m,
});
const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};
const known = (entries: [string, string, string, string | null][]) =>
  new Map<string, KnownIdentity>(
    entries.map(([kind, value, customerId, customerUserId]) => [
      identityKey(kind as 'userId', value),
      { customerId, customerUserId },
    ]),
  );

describe('planIdentities', () => {
  it.each<
    [string, IncomingMessage[], Map<string, KnownIdentity>, Partial<ReturnType<typeof planIdentities>>]
  >([
    [
      'a new userId creates one customer and links the anonymousId',
      [msg({ userId: 'u1', anonymousId: 'a1' }), msg({ userId: 'u1' })],
      known([]),
      { customerOf: ['new-1', 'new-1'], newCustomers: [{ id: 'new-1', externalId: 'u1' }], merges: [] },
    ],
    [
      'a known userId resolves without writes',
      [msg({ userId: 'u1' })],
      known([['userId', 'u1', 'c1', 'u1']]),
      { customerOf: ['c1'], newCustomers: [], newIdentities: [], merges: [] },
    ],
    [
      'identify links a known anonymous customer to a known identified one: merge',
      [msg({ type: 'identify', userId: 'u1', anonymousId: 'a1' })],
      known([
        ['userId', 'u1', 'c1', 'u1'],
        ['anonymousId', 'a1', 'c2', null],
      ]),
      { customerOf: ['c1'], merges: [{ from: 'c2', into: 'c1' }], newCustomers: [] },
    ],
    [
      'an anonymous customer that already has another userId is not merged (shared device)',
      [msg({ userId: 'u1', anonymousId: 'a1' })],
      known([
        ['userId', 'u1', 'c1', 'u1'],
        ['anonymousId', 'a1', 'c2', 'u2'],
      ]),
      { customerOf: ['c1'], merges: [], newIdentities: [] },
    ],
    [
      'a first userId on an anonymous customer attaches to it',
      [msg({ userId: 'u1', anonymousId: 'a1' })],
      known([['anonymousId', 'a1', 'c2', null]]),
      {
        customerOf: ['c2'],
        externalIds: [{ customerId: 'c2', externalId: 'u1' }],
        newCustomers: [],
        merges: [],
      },
    ],
    [
      'anonymous then identified inside one batch becomes one new customer',
      [msg({ anonymousId: 'a1' }), msg({ userId: 'u1', anonymousId: 'a1' }), msg({ userId: 'u1' })],
      known([]),
      {
        customerOf: ['new-1', 'new-1', 'new-1'],
        newCustomers: [{ id: 'new-1', externalId: 'u1' }],
        merges: [],
      },
    ],
    [
      'a new anonymous customer merged into a known one in the same batch is never created',
      [msg({ anonymousId: 'a9' }), msg({ userId: 'u1', anonymousId: 'a9' })],
      known([['userId', 'u1', 'c1', 'u1']]),
      {
        customerOf: ['c1', 'c1'],
        newCustomers: [],
        merges: [],
        newIdentities: [{ kind: 'anonymousId', value: 'a9', customerId: 'c1' }],
      },
    ],
    [
      'alias merges the previous userId into the new one',
      [msg({ type: 'alias', userId: 'new', previousId: 'old' })],
      known([
        ['userId', 'new', 'c1', 'new'],
        ['userId', 'old', 'c2', 'old'],
      ]),
      { customerOf: ['c1'], merges: [{ from: 'c2', into: 'c1' }] },
    ],
  ])('%s', (_name, messages, knownIds, expected) => {
    expect(planIdentities(messages, knownIds, ids())).toMatchObject(expected);
  });

  it('links an identify email once, lower-cased, without merging on it', () => {
    const plan = planIdentities(
      [msg({ type: 'identify', userId: 'u1', traits: { email: 'Ada@Example.com' } })],
      known([['email', 'ada@example.com', 'c9', 'u9']]),
      ids(),
    );
    expect(plan.newIdentities.filter((i) => i.kind === 'email')).toEqual([]);
    expect(plan.merges).toEqual([]);
  });
});
