import { CustomerFacts } from './customer-facts';
import { AllCondition, InvalidDefinitionError, RuleDefinition } from './definition';
import { createEvaluator, evaluate, eventsNeeded } from './evaluate';

const NOW = new Date('2026-03-15T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

const customer: CustomerFacts = {
  traits: {
    age: 30,
    ageText: '30',
    plan: 'pro',
    vip: true,
    nothing: null,
    tags: ['a', 1, true],
    address: { city: 'Paris', zip: '75001' },
    score: 0.3,
  },
  stats: {
    ordersCount: 3,
    revenueTotal: '120.50', // numeric columns arrive as strings from the pg driver
    avgOrderValue: '40.17',
    eventsCount: 10,
    firstSeenAt: ago(100),
    lastSeenAt: ago(1),
    firstOrderAt: '2026-01-01T00:00:00.000Z',
    lastOrderAt: ago(10),
  },
  scores: {
    rfmRecency: 5,
    rfmFrequency: 3,
    rfmMonetary: 1,
    rfmCode: '531',
    rfmGroup: 'champions',
    clv: '250.00',
    clvTier: 'high',
    churnProbability: 0.25,
    cluster: 2,
  },
  segments: ['vip', 'newsletter'],
  events: [
    { event: 'Order Completed', timestamp: ago(2), properties: { revenue: 0.1, plan: 'pro' } },
    { event: 'Order Completed', timestamp: ago(5), properties: { revenue: 0.2, plan: 'free' } },
    { event: 'Order Completed', timestamp: ago(40), properties: { revenue: '100' } },
    { event: 'Email Opened', timestamp: ago(3), properties: [5] },
    { event: 'Email Opened', timestamp: new Date(NOW.getTime() + 1), properties: {} },
  ],
};
const nobody: CustomerFacts = { traits: {}, stats: null, scores: null, segments: [], events: [] };

const when = (condition: object): AllCondition => ({ all: [condition as never] });
const matches = async (condition: object, facts = customer) =>
  (await evaluate(when(condition), facts, NOW)).matched;
const trait = (path: string, operator: string, value: unknown) => ({ fact: 'traits', path, operator, value });
const stat = (path: string, operator: string, value: unknown) => ({ fact: 'stats', path, operator, value });
const score = (path: string, operator: string, value: unknown) => ({ fact: 'scores', path, operator, value });
const events = (params: object, operator: string, value: unknown) => ({
  fact: 'events',
  params,
  operator,
  value,
});

describe('evaluate: operators in JavaScript', () => {
  it.each<[string, object, boolean]>([
    // equal / notEqual: same JSON type and value; negation matches missing and other types
    ['equal number', trait('$.age', 'equal', 30), true],
    ['equal: "30" is not 30', trait('$.ageText', 'equal', 30), false],
    ['equal string', trait('$.plan', 'equal', 'pro'), true],
    ['equal is case-sensitive', trait('$.plan', 'equal', 'PRO'), false],
    ['equal boolean', trait('$.vip', 'equal', true), true],
    ['equal: true is not 1', trait('$.vip', 'equal', 1), false],
    ['equal on missing', trait('$.missing', 'equal', 'x'), false],
    ['equal on null', trait('$.nothing', 'equal', 'x'), false],
    ['equal on an object', trait('$.address', 'equal', 'Paris'), false],
    ['notEqual', trait('$.plan', 'notEqual', 'free'), true],
    ['notEqual same', trait('$.plan', 'notEqual', 'pro'), false],
    ['notEqual on missing matches', trait('$.missing', 'notEqual', 'pro'), true],
    ['notEqual on another type matches', trait('$.ageText', 'notEqual', 30), true],
    // in / notIn
    ['in', trait('$.plan', 'in', ['free', 'pro']), true],
    ['in: type-strict', trait('$.ageText', 'in', [30]), false],
    ['in on missing', trait('$.missing', 'in', ['x']), false],
    ['in on an array trait', trait('$.tags', 'in', ['a']), false],
    ['notIn', trait('$.plan', 'notIn', ['free']), true],
    ['notIn listed', trait('$.plan', 'notIn', ['pro']), false],
    ['notIn on missing matches', trait('$.missing', 'notIn', ['pro']), true],
    // number comparisons: numbers only
    ['lessThan', trait('$.age', 'lessThan', 31), true],
    ['lessThan equal', trait('$.age', 'lessThan', 30), false],
    ['lessThanInclusive', trait('$.age', 'lessThanInclusive', 30), true],
    ['greaterThan', trait('$.age', 'greaterThan', 29.5), true],
    ['greaterThan: a number-looking string never compares', trait('$.ageText', 'greaterThan', 5), false],
    ['greaterThan: a boolean never compares', trait('$.vip', 'greaterThan', 0), false],
    ['greaterThan on missing', trait('$.missing', 'greaterThan', -1e9), false],
    ['greaterThan on null', trait('$.nothing', 'greaterThan', -1), false],
    ['greaterThanInclusive', trait('$.age', 'greaterThanInclusive', 30), true],
    ['between inclusive low', trait('$.age', 'between', [30, 40]), true],
    ['between inclusive high', trait('$.age', 'between', [20, 30]), true],
    ['between outside', trait('$.age', 'between', [31, 40]), false],
    ['between a string', trait('$.ageText', 'between', [0, 100]), false],
    // contains / doesNotContain: arrays with a same-typed element
    ['contains', trait('$.tags', 'contains', 'a'), true],
    ['contains number', trait('$.tags', 'contains', 1), true],
    ['contains: type-strict', trait('$.tags', 'contains', '1'), false],
    ['contains on a string is not a substring test', trait('$.plan', 'contains', 'p'), false],
    ['doesNotContain', trait('$.tags', 'doesNotContain', 'b'), true],
    ['doesNotContain present', trait('$.tags', 'doesNotContain', true), false],
    ['doesNotContain on missing matches', trait('$.missing', 'doesNotContain', 'a'), true],
    // exists: JSON null is missing
    ['exists', trait('$.plan', 'exists', true), true],
    ['exists on null', trait('$.nothing', 'exists', true), false],
    ['exists false on missing', trait('$.missing', 'exists', false), true],
    ['exists false on present', trait('$.tags', 'exists', false), false],
    // paths: nested keys and array indexes as PostgreSQL #> reads them
    ['nested path', trait('$.address.city', 'equal', 'Paris'), true],
    ['array index', trait('$.tags.1', 'equal', 1), true],
    ['negative array index', trait('$.tags.-1', 'equal', true), true],
    ['index out of range', trait('$.tags.3', 'exists', true), false],
    ['key into a scalar', trait('$.plan.length', 'exists', true), false],
    ['inherited members are not traits', trait('$.constructor', 'exists', true), false],
    // stats: numbers (numeric strings parsed), timestamps, derived days
    ['stats number', stat('$.ordersCount', 'equal', 3), true],
    ['stats numeric column', stat('$.revenueTotal', 'greaterThan', 120.49), true],
    ['stats numeric column equal', stat('$.avgOrderValue', 'equal', 40.17), true],
    ['withinLastDays', stat('$.lastOrderAt', 'withinLastDays', 10), true],
    ['withinLastDays just outside', stat('$.lastOrderAt', 'withinLastDays', 9.999), false],
    ['before', stat('$.firstOrderAt', 'before', '2026-01-01T00:00:00.001Z'), true],
    ['before the same instant', stat('$.firstOrderAt', 'before', '2026-01-01'), false],
    ['after with an offset', stat('$.firstOrderAt', 'after', '2026-01-01T00:59:59.999+01:00'), true],
    ['between timestamps', stat('$.firstOrderAt', 'between', ['2026-01-01', '2026-01-01T00:00:00Z']), true],
    ['daysSinceLastOrder', stat('$.daysSinceLastOrder', 'equal', 10), true],
    ['tenureDays', stat('$.tenureDays', 'greaterThanInclusive', 100), true],
    ['daysSinceLastSeen', stat('$.daysSinceLastSeen', 'lessThan', 1.5), true],
    // scores
    ['scores number', score('$.rfmRecency', 'between', [4, 5]), true],
    ['scores text', score('$.rfmCode', 'equal', '531'), true],
    ['scores text in', score('$.clvTier', 'in', ['mid', 'high']), true],
    ['scores numeric', score('$.clv', 'greaterThan', 249.99), true],
    ['scores float', score('$.churnProbability', 'lessThan', 0.3), true],
    // segments
    ['segments contains', { fact: 'segments', operator: 'contains', value: 'vip' }, true],
    ['segments doesNotContain', { fact: 'segments', operator: 'doesNotContain', value: 'churn-risk' }, true],
    // events: count by default, in a window, filtered, or summed exactly
    ['events count all time', events({ event: 'Order Completed' }, 'equal', 3), true],
    ['events within days', events({ event: 'Order Completed', withinDays: 7 }, 'equal', 2), true],
    [
      'events in the future are not within days',
      events({ event: 'Email Opened', withinDays: 7 }, 'equal', 1),
      true,
    ],
    [
      'events from (inclusive)',
      events({ event: 'Order Completed', from: ago(5).toISOString() }, 'equal', 2),
      true,
    ],
    [
      'events to (exclusive)',
      events({ event: 'Order Completed', to: ago(5).toISOString() }, 'equal', 1),
      true,
    ],
    ['events where', events({ event: 'Order Completed', where: { plan: 'pro' } }, 'equal', 1), true],
    [
      'events where on array properties',
      events({ event: 'Email Opened', where: { 0: 5 } }, 'equal', 0),
      true,
    ],
    [
      'events sum is exact (0.1 + 0.2 = 0.3)',
      events(
        { event: 'Order Completed', withinDays: 7, aggregate: 'sum', property: 'revenue' },
        'equal',
        0.3,
      ),
      true,
    ],
    [
      'events sum counts non-numbers as 0',
      events({ event: 'Order Completed', aggregate: 'sum', property: 'revenue' }, 'equal', 0.3),
      true,
    ],
    ['events count 0 matches with no events', events({ event: 'Nope' }, 'equal', 0), true],
    ['events notIn', events({ event: 'Order Completed' }, 'notIn', [1, 2]), true],
  ])('%s', async (_name, condition, expected) => {
    expect(await matches(condition)).toBe(expected);
  });

  it.each<[string, object, boolean]>([
    ['counters read 0 without a stats row', stat('$.ordersCount', 'equal', 0), true],
    ['revenue reads 0 without a stats row', stat('$.revenueTotal', 'lessThanInclusive', 0), true],
    ['average order value is missing', stat('$.avgOrderValue', 'exists', false), true],
    ['timestamps are missing', stat('$.lastSeenAt', 'before', '2100-01-01'), false],
    ['derived days are missing', stat('$.daysSinceLastOrder', 'greaterThan', -1e9), false],
    ['scores are missing', score('$.rfmCode', 'notEqual', '555'), true],
    ['scores never compare', score('$.cluster', 'lessThan', 99), false],
    ['null traits', trait('$.a', 'exists', false), true],
  ])('a customer without rows: %s', async (_name, condition, expected) => {
    expect(await matches(condition, { ...nobody, traits: null })).toBe(expected);
  });

  it('combines all, any and not like JSON logic, with missing values two-valued', async () => {
    const missingAge = { ...customer, traits: {} };
    const notOld = { not: trait('$.age', 'greaterThan', 60) };
    expect((await evaluate({ all: [notOld] }, missingAge, NOW)).matched).toBe(true);
    expect((await evaluate({ any: [trait('$.age', 'lessThan', 0), notOld] }, customer, NOW)).matched).toBe(
      true,
    );
    expect((await evaluate({ not: { any: [trait('$.plan', 'equal', 'pro')] } }, customer, NOW)).matched).toBe(
      false,
    );
  });
});

describe('evaluate: explanation', () => {
  it('lists every leaf with its path, fact value and outcome', async () => {
    const rules: RuleDefinition = {
      all: [
        { name: 'adult', fact: 'traits', path: '$.age', operator: 'greaterThanInclusive', value: 18 },
        {
          any: [
            { fact: 'stats', path: '$.lastOrderAt', operator: 'withinLastDays', value: 7 },
            { not: { fact: 'segments', operator: 'contains', value: 'vip' } },
          ],
        },
        {
          fact: 'events',
          params: { event: 'Order Completed', withinDays: 30 },
          operator: 'greaterThan',
          value: 1,
        },
        { fact: 'traits', path: '$.missing', operator: 'equal', value: 'x' },
      ],
    };
    const { matched, explanation } = await evaluate(rules, customer, NOW);
    expect(matched).toBe(false);
    expect(explanation).toEqual([
      {
        path: 'rules.all[0]',
        name: 'adult',
        fact: 'traits',
        factPath: '$.age',
        operator: 'greaterThanInclusive',
        value: 18,
        factValue: 30,
        matched: true,
      },
      {
        path: 'rules.all[1].any[0]',
        fact: 'stats',
        factPath: '$.lastOrderAt',
        operator: 'withinLastDays',
        value: 7,
        factValue: ago(10).toISOString(),
        matched: false,
      },
      {
        path: 'rules.all[1].any[1].not',
        fact: 'segments',
        operator: 'contains',
        value: 'vip',
        factValue: ['vip', 'newsletter'],
        matched: true,
      },
      {
        path: 'rules.all[2]',
        fact: 'events',
        params: { event: 'Order Completed', withinDays: 30 },
        operator: 'greaterThan',
        value: 1,
        factValue: 2,
        matched: true,
      },
      {
        path: 'rules.all[3]',
        fact: 'traits',
        factPath: '$.missing',
        operator: 'equal',
        value: 'x',
        factValue: null,
        matched: false,
      },
    ]);
  });
});

describe('createEvaluator', () => {
  it('refuses an invalid definition', () => {
    expect(() => createEvaluator({ all: [{ fact: 'context', operator: 'equal', value: 1 }] })).toThrow(
      InvalidDefinitionError,
    );
    expect(() => createEvaluator({ any: [] })).toThrow(/rules.any: must be a non-empty list/);
  });

  it('gives each of many concurrent runs its own answer', async () => {
    // json-rules-engine keeps a run status on the Engine: sharing one across concurrent runs would drop rules.
    const evaluator = createEvaluator(when(trait('$.n', 'greaterThan', 49)));
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, async (_, n) => {
        // Staggered starts: a run that begins while another is finishing is the one that would lose its rule.
        for (let i = 0; i < n % 50; i++) await Promise.resolve();
        return evaluator.evaluate({ ...nobody, traits: { n } }, NOW);
      }),
    );
    expect(outcomes.map((o) => o.matched)).toEqual(Array.from({ length: 100 }, (_, n) => n > 49));
  });

  it('does not see later changes to the definition it was built from', async () => {
    const rules = when(trait('$.age', 'equal', 30));
    const evaluator = createEvaluator(rules);
    (rules.all[0] as { value: unknown }).value = 31;
    expect((await evaluator.evaluate(customer, NOW)).matched).toBe(true);
  });

  it('evaluates relative windows against the now of each call', async () => {
    const evaluator = createEvaluator(when(stat('$.lastOrderAt', 'withinLastDays', 10)));
    expect((await evaluator.evaluate(customer, NOW)).matched).toBe(true);
    expect((await evaluator.evaluate(customer, new Date(NOW.getTime() + 1))).matched).toBe(false);
  });
});

describe('eventsNeeded', () => {
  it('names the events read and the widest window', () => {
    const rules: RuleDefinition = {
      any: [
        events({ event: 'A', withinDays: 7 }, 'greaterThan', 0),
        { not: events({ event: 'B', from: '2026-01-01', to: '2026-02-01' }, 'equal', 0) },
        events({ event: 'A', withinDays: 30, where: { x: 1 } }, 'greaterThan', 0),
      ] as never,
    };
    expect(eventsNeeded(rules, NOW)).toEqual({
      names: ['A', 'B'],
      since: new Date('2026-01-01T00:00:00.000Z'),
      until: new Date(NOW.getTime() + 1),
    });
  });

  it('leaves a bound open when some condition has none', () => {
    const rules = { all: [events({ event: 'A', to: '2026-01-01' }, 'equal', 0)] } as RuleDefinition;
    expect(eventsNeeded(rules, NOW)).toEqual({ names: ['A'], since: null, until: new Date('2026-01-01') });
  });

  it('is empty when no condition reads events', () => {
    expect(eventsNeeded(when(trait('$.a', 'exists', true)), NOW)).toEqual({
      names: [],
      since: null,
      until: null,
    });
  });
});

describe('evaluate: the context fact (journey branches)', () => {
  const ctx = (path: string, operator: string, value: unknown) => ({
    fact: 'context',
    path,
    operator,
    value,
  });
  const inRun: CustomerFacts = { ...nobody, context: { event: { total: 120, tags: ['gift'], plan: 'pro' } } };

  it.each<[string, object, boolean]>([
    ['number comparison', ctx('$.event.total', 'greaterThan', 100), true],
    ['number comparison fails', ctx('$.event.total', 'lessThan', 100), false],
    ['string equal', ctx('$.event.plan', 'equal', 'pro'), true],
    ['array contains', ctx('$.event.tags', 'contains', 'gift'), true],
    ['missing path', ctx('$.event.nope', 'exists', true), false],
    ['notEqual on a missing path matches', ctx('$.event.nope', 'notEqual', 'x'), true],
  ])('%s', async (_name, condition, expected) => {
    expect(await matches(condition, inRun)).toBe(expected);
  });

  it('reads every path as missing without a context', async () => {
    expect(await matches(ctx('$.event.total', 'exists', true), nobody)).toBe(false);
    expect(await matches(ctx('$.event.total', 'greaterThan', 0), nobody)).toBe(false);
    expect(await matches(ctx('$.event.total', 'notIn', [1]), nobody)).toBe(true);
  });

  it('explains the context value it compared', async () => {
    const { explanation } = await createEvaluator(when(ctx('$.event.total', 'equal', 120))).evaluate(
      inRun,
      NOW,
    );
    expect(explanation).toEqual([
      expect.objectContaining({ fact: 'context', factValue: 120, matched: true }),
    ]);
  });
});
