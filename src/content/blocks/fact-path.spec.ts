import { JSONPath } from 'jsonpath-plus';
import { resolveFactPath } from './fact-path';

/** The fast path must answer exactly what json-rules-engine's default (jsonpath-plus, unwrapped) answers. */
describe('resolveFactPath', () => {
  const facts = {
    vip: true,
    plan: 'pro',
    zero: 0,
    none: null,
    nested: { tier: 'gold', deeper: { n: 3, list: [1, 2] }, empty: {} },
    list: [{ sku: 'A' }, { sku: 'B' }],
    'odd key': 1,
  };
  const inherited = Object.create({ inheritedKey: 'x' }) as Record<string, unknown>;

  it.each([
    '$.vip',
    '$.plan',
    '$.zero',
    '$.none',
    '$.missing',
    '$.nested.tier',
    '$.nested.deeper.n',
    '$.nested.deeper.list',
    '$.nested.empty',
    '$.nested.missing.more',
    '$.none.more',
    '$.plan.length',
    '$.list',
    '$.list[0].sku',
    '$.list[*].sku',
    "$['odd key']",
    '$..sku',
    '$.nested.*',
  ])('%s agrees with jsonpath-plus', (path) => {
    expect(resolveFactPath(facts, path)).toEqual(JSONPath({ path, json: facts, wrap: false }));
  });

  it('reads own properties only, as jsonpath-plus does', () => {
    expect(resolveFactPath(inherited, '$.inheritedKey')).toEqual(
      JSONPath({ path: '$.inheritedKey', json: inherited, wrap: false }),
    );
    expect(resolveFactPath(facts, '$.toString')).toBeUndefined();
    expect(resolveFactPath(facts, '$.constructor')).toBeUndefined();
  });

  it('reads a scalar root like jsonpath-plus', () => {
    expect(resolveFactPath('text', '$.length')).toEqual(
      JSONPath({ path: '$.length', json: 'text', wrap: false }),
    );
    expect(resolveFactPath(undefined, '$.a')).toBeUndefined();
  });
});
