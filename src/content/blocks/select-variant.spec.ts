import { ConditionEvaluator, CustomerFacts, validateCondition } from './conditions';
import { JsonRulesConditionEvaluator } from './json-rules-evaluator';
import { selectBlocks, selectVariant } from './select-variant';

const facts = (over: Partial<CustomerFacts> = {}): CustomerFacts => ({
  traits: { plan: 'pro', age: 31 },
  stats: { ordersCount: 6, revenueTotal: 540.5 },
  scores: { clvTier: 'high' },
  segments: ['newsletter'],
  context: { event: { cartValue: 120 }, journey: null, variant: null },
  ...over,
});

const evaluator = new JsonRulesConditionEvaluator();

describe('JsonRulesConditionEvaluator', () => {
  it('answers segment membership directly, with the reason', async () => {
    await expect(evaluator.evaluate({ segment: 'vip' }, facts({ segments: ['vip'] }))).resolves.toEqual({
      matched: true,
      detail: { segment: 'vip', member: true, segments: ['vip'] },
    });
    await expect(evaluator.evaluate({ segment: 'vip' }, facts())).resolves.toMatchObject({ matched: false });
  });

  it('evaluates json-rules-engine conditions over every fact, with each leaf outcome', async () => {
    const condition = {
      all: [
        { fact: 'stats' as const, path: '$.ordersCount', operator: 'greaterThanInclusive', value: 5 },
        { fact: 'scores' as const, path: '$.clvTier', operator: 'equal', value: 'high' },
        { fact: 'context' as const, path: '$.event.cartValue', operator: 'greaterThan', value: 100 },
        { fact: 'traits' as const, path: '$.plan', operator: 'in', value: ['pro', 'team'] },
        { fact: 'segments' as const, operator: 'contains', value: 'newsletter' },
      ],
    };
    const outcome = await evaluator.evaluate(condition, facts());
    expect(outcome.matched).toBe(true);
    expect(outcome.detail).toMatchObject({
      all: [
        { fact: 'stats', factResult: 6, result: true },
        { fact: 'scores', factResult: 'high', result: true },
        { fact: 'context', factResult: 120, result: true },
        { fact: 'traits', factResult: 'pro', result: true },
        { fact: 'segments', result: true },
      ],
    });
    const failed = await evaluator.evaluate(condition, facts({ stats: { ordersCount: 1 } }));
    expect(failed.matched).toBe(false);
    expect((failed.detail as { all: { result: boolean }[] }).all[0]).toMatchObject({
      factResult: 1,
      result: false,
    });
  });

  it('takes a single fact condition, decorators, not, and segments nested in rules', async () => {
    const leaf = { fact: 'traits' as const, path: '$.age', operator: 'lessThan', value: 40 };
    await expect(evaluator.evaluate(leaf, facts())).resolves.toMatchObject({ matched: true });
    await expect(evaluator.evaluate({ not: leaf }, facts())).resolves.toMatchObject({ matched: false });
    await expect(
      evaluator.evaluate({ any: [{ segment: 'vip' }, { segment: 'newsletter' }] }, facts()),
    ).resolves.toMatchObject({ matched: true });
    await expect(
      evaluator.evaluate({ fact: 'traits', path: '$.plan', operator: 'not:equal', value: 'free' }, facts()),
    ).resolves.toMatchObject({ matched: true });
    // A missing trait is not an error: the comparison is false.
    await expect(
      evaluator.evaluate({ fact: 'traits', path: '$.missing', operator: 'greaterThan', value: 1 }, facts()),
    ).resolves.toMatchObject({ matched: false });
  });
});

describe('selectVariant', () => {
  const hero = [
    { when: { segment: 'vip' }, html: 'vip' },
    {
      when: { all: [{ fact: 'stats' as const, path: '$.ordersCount', operator: 'greaterThan', value: 5 }] },
      html: 'loyal',
    },
    { html: 'default' },
  ];

  it('picks the first variant whose condition holds and stops evaluating there', async () => {
    const choice = await selectVariant('hero', hero, facts({ segments: ['vip'] }), evaluator);
    expect(choice).toMatchObject({ name: 'hero', chosen: 0, reason: 'condition' });
    expect(choice.evaluated).toHaveLength(1);
    const second = await selectVariant('hero', hero, facts(), evaluator);
    expect(second).toMatchObject({ chosen: 1, reason: 'condition' });
    expect(second.evaluated.map((e) => [e.index, e.matched])).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it('falls back to the default wherever it sits, or to nothing', async () => {
    const choice = await selectVariant('hero', hero, facts({ stats: { ordersCount: 0 } }), evaluator);
    expect(choice).toMatchObject({ chosen: 2, reason: 'default' });
    const defaultFirst = [{ html: 'default' }, { when: { segment: 'vip' }, html: 'vip' }];
    await expect(
      selectVariant('b', defaultFirst, facts({ segments: ['vip'] }), evaluator),
    ).resolves.toMatchObject({
      chosen: 1,
      reason: 'condition',
    });
    await expect(selectVariant('b', defaultFirst, facts(), evaluator)).resolves.toMatchObject({ chosen: 0 });
    await expect(
      selectVariant('b', [{ when: { segment: 'vip' } }], facts(), evaluator),
    ).resolves.toMatchObject({
      chosen: null,
      reason: 'none',
    });
  });

  it('works with any evaluator behind the interface', async () => {
    const calls: unknown[] = [];
    const fake: ConditionEvaluator = {
      async evaluate(condition) {
        calls.push(condition);
        return { matched: calls.length === 2, detail: 'fake' };
      },
    };
    const choices = await selectBlocks({ hero }, facts(), fake);
    expect(choices.get('hero')).toMatchObject({
      chosen: 1,
      evaluated: [{ detail: 'fake' }, { detail: 'fake' }],
    });
    expect(calls).toEqual([hero[0].when, hero[1].when]);
  });
});

describe('validateCondition', () => {
  it('accepts the documented shapes', () => {
    expect(validateCondition({ segment: 'vip' }, 'when')).toEqual([]);
    expect(
      validateCondition(
        {
          any: [
            { fact: 'scores', path: '$.clvTier', operator: 'equal', value: 'high' },
            { not: { segment: 'churned' } },
            { fact: 'stats', path: '$.ordersCount', operator: 'someValue:equal', value: [1, 2] },
            { fact: 'traits', path: '$.a', operator: 'equal', value: { fact: 'context', path: '$.event.a' } },
          ],
        },
        'when',
      ),
    ).toEqual([]);
  });

  it('reports every problem with its path', () => {
    expect(
      validateCondition(
        {
          all: [
            { fact: 'events', operator: 'equal', value: 1 },
            { fact: 'traits', operator: 'between', path: 'age' },
            { segment: '' },
            'nope',
          ],
        },
        'blocks.hero[0].when',
      ),
    ).toEqual([
      { path: 'blocks.hero[0].when.all[0].fact', message: expect.stringContaining('traits, stats') },
      { path: 'blocks.hero[0].when.all[1].operator', message: expect.stringContaining('"between"') },
      { path: 'blocks.hero[0].when.all[1].value', message: 'is required' },
      { path: 'blocks.hero[0].when.all[1].path', message: expect.stringContaining('JSONPath') },
      { path: 'blocks.hero[0].when.all[2].segment', message: 'must be a segment key' },
      { path: 'blocks.hero[0].when.all[3]', message: 'must be a condition object' },
    ]);
    expect(validateCondition({ all: [] }, 'w')).toEqual([{ path: 'w.all', message: expect.any(String) }]);
    expect(validateCondition({ segment: 'a', extra: 1 }, 'w')).toEqual([
      { path: 'w.extra', message: expect.any(String) },
    ]);
    expect(validateCondition({ foo: 1 }, 'w')).toEqual([{ path: 'w', message: expect.any(String) }]);
  });
});
