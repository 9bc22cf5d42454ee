import type { BlockCondition, CustomerFacts } from './conditions';
import { JsonRulesConditionEvaluator } from './json-rules-evaluator';

const facts = (city: string, orders: number): CustomerFacts => ({
  traits: { city },
  stats: { ordersCount: orders },
  scores: {},
  segments: orders > 5 ? ['vip'] : [],
  context: {},
});

describe('JsonRulesConditionEvaluator with engines reused per condition', () => {
  const condition: BlockCondition = {
    any: [
      { fact: 'traits', path: '$.city', operator: 'equal', value: 'Paris' },
      { fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 3 },
    ],
  };

  it('gives each of many concurrent evaluations of one condition its own facts’ answer', async () => {
    const evaluator = new JsonRulesConditionEvaluator();
    const inputs = Array.from({ length: 60 }, (_, i) => facts(i % 3 === 0 ? 'Paris' : 'Rome', i % 5));
    const outcomes = await Promise.all(inputs.map((f) => evaluator.evaluate(condition, f)));
    outcomes.forEach((o, i) =>
      expect(o.matched).toBe(
        inputs[i].traits.city === 'Paris' || (inputs[i].stats.ordersCount as number) >= 3,
      ),
    );
  });

  it('answers the same, detail included, on a reused engine as on a fresh one', async () => {
    const evaluator = new JsonRulesConditionEvaluator();
    const first = await evaluator.evaluate(condition, facts('Rome', 1));
    await evaluator.evaluate(condition, facts('Paris', 9));
    const again = await evaluator.evaluate(condition, facts('Rome', 1));
    expect(again).toEqual(first);
    expect(first.matched).toBe(false);
    const nested: BlockCondition = { not: { segment: 'vip' } };
    expect((await evaluator.evaluate(nested, facts('Rome', 9))).matched).toBe(false);
    expect((await evaluator.evaluate(nested, facts('Rome', 1))).matched).toBe(true);
  });
});
