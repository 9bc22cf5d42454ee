import { RuleDefinition } from './definition';
import { LIMITS } from './facts';
import { structureProblems, validateDefinition } from './validate';

const noSegments = { segmentRules: (key: string) => (key === 'vip' ? { all: [] } : undefined) };
const problemsOf = (rules: unknown, options: Parameters<typeof validateDefinition>[1] = noSegments) =>
  validateDefinition(rules, options);
const paths = (rules: unknown) => problemsOf(rules).map((p) => p.path);
const one = (leaf: object) => ({ all: [leaf] });

describe('validateDefinition', () => {
  it.each<[string, unknown]>([
    ['trait comparison', one({ fact: 'traits', path: '$.age', operator: 'between', value: [25, 40] })],
    [
      'nested trait path',
      one({ fact: 'traits', path: '$.address.zip-code.0', operator: 'equal', value: '75001' }),
    ],
    ['stats', one({ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 2 })],
    [
      'derived stats',
      one({ fact: 'stats', path: '$.daysSinceLastOrder', operator: 'lessThan', value: 30.5 }),
    ],
    ['timestamp', one({ fact: 'stats', path: '$.lastSeenAt', operator: 'withinLastDays', value: 7 })],
    [
      'timestamp range',
      one({
        fact: 'stats',
        path: '$.firstSeenAt',
        operator: 'between',
        value: ['2026-01-01', '2026-02-01T00:00:00Z'],
      }),
    ],
    ['scores', one({ fact: 'scores', path: '$.clvTier', operator: 'in', value: ['high', 'mid'] })],
    ['exists', { not: { fact: 'scores', path: '$.cluster', operator: 'exists', value: true } }],
    [
      'events with everything',
      one({
        fact: 'events',
        params: {
          event: 'Order Completed',
          where: { plan: 'pro', n: 1, ok: true },
          from: '2026-01-01',
          to: '2026-02-01',
          aggregate: 'sum',
          property: 'revenue',
        },
        operator: 'greaterThan',
        value: 100,
      }),
    ],
    [
      'events count',
      one({
        fact: 'events',
        params: { event: 'Email Opened', withinDays: 30 },
        operator: 'greaterThanInclusive',
        value: 2,
      }),
    ],
    [
      'named nodes',
      {
        any: [{ name: 'adults', fact: 'traits', path: '$.age', operator: 'greaterThan', value: 17 }],
        name: 'x',
      },
    ],
  ])('accepts %s', (_name, rules) => {
    expect(problemsOf(rules)).toEqual([]);
  });

  it.each<[string, unknown, { path: string; message: RegExp }[]]>([
    [
      'a leaf at the top',
      { fact: 'traits', path: '$.a', operator: 'exists', value: true },
      [{ path: 'rules', message: /all, any or not/ }],
    ],
    ['not an object', 'all', [{ path: 'rules', message: /condition object/ }]],
    ['two boolean keys', { all: [], any: [] }, [{ path: 'rules', message: /exactly one of all, any, not/ }]],
    ['an empty all', { all: [] }, [{ path: 'rules.all', message: /non-empty list/ }]],
    ['not with a list', { not: [] }, [{ path: 'rules.not', message: /one condition/ }]],
    [
      'a node that is neither',
      { all: [{ foo: 1 }] },
      [{ path: 'rules.all[0]', message: /all, any or not condition, or a fact/ }],
    ],
    [
      'an unknown key on a boolean node',
      { all: [one({ fact: 'traits', path: '$.a', operator: 'exists', value: true })], priority: 2 },
      [{ path: 'rules.priority', message: /unknown key/ }],
    ],
    [
      'an unknown key on a leaf',
      one({ fact: 'traits', path: '$.a', operator: 'exists', value: true, priority: 1 }),
      [{ path: 'rules.all[0].priority', message: /unknown key/ }],
    ],
    [
      'a condition reference',
      one({ condition: 'other' }),
      [{ path: 'rules.all[0]', message: /fact condition/ }],
    ],
    [
      'an unknown fact',
      one({ fact: 'context', path: '$.a', operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].fact', message: /unknown fact; one of traits/ }],
    ],
    [
      'a missing fact',
      one({ operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].fact', message: /is required/ }],
    ],
    [
      'an unknown operator',
      one({ fact: 'traits', path: '$.a', operator: 'matches', value: 'x' }),
      [{ path: 'rules.all[0].operator', message: /unknown operator/ }],
    ],
    [
      'a decorated operator',
      one({ fact: 'traits', path: '$.a', operator: 'everyFact:equal', value: 'x' }),
      [{ path: 'rules.all[0].operator', message: /unknown operator/ }],
    ],
    [
      'a wildcard path',
      one({ fact: 'traits', path: '$..a', operator: 'exists', value: true }),
      [{ path: 'rules.all[0].path', message: /path like/ }],
    ],
    [
      'a filter path',
      one({ fact: 'traits', path: '$.a[?(@.b)]', operator: 'exists', value: true }),
      [{ path: 'rules.all[0].path', message: /path like/ }],
    ],
    [
      'a missing traits path',
      one({ fact: 'traits', operator: 'exists', value: true }),
      [{ path: 'rules.all[0].path', message: /required/ }],
    ],
    [
      'a path too deep',
      one({ fact: 'traits', path: `$${'.a'.repeat(11)}`, operator: 'exists', value: true }),
      [{ path: 'rules.all[0].path', message: /at most 10 keys/ }],
    ],
    [
      'an unknown stats field',
      one({ fact: 'stats', path: '$.lifetimeValue', operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].path', message: /unknown stats field; one of ordersCount/ }],
    ],
    [
      'an inherited member as a field',
      one({ fact: 'stats', path: '$.constructor', operator: 'exists', value: true }),
      [{ path: 'rules.all[0].path', message: /unknown stats field/ }],
    ],
    [
      'a nested scores path',
      one({ fact: 'scores', path: '$.clv.x', operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].path', message: /unknown scores field/ }],
    ],
    [
      'a path on segments',
      one({ fact: 'segments', path: '$.a', operator: 'contains', value: 'vip' }),
      [{ path: 'rules.all[0].path', message: /not allowed/ }],
    ],
    [
      'params on traits',
      one({ fact: 'traits', path: '$.a', params: { x: 1 }, operator: 'exists', value: true }),
      [{ path: 'rules.all[0].params', message: /not allowed/ }],
    ],
    [
      'a number operator on a string field',
      one({ fact: 'scores', path: '$.rfmCode', operator: 'greaterThan', value: 5 }),
      [{ path: 'rules.all[0].operator', message: /does not fit a string fact/ }],
    ],
    [
      'a timestamp compared as a number',
      one({ fact: 'stats', path: '$.lastOrderAt', operator: 'greaterThan', value: 5 }),
      [{ path: 'rules.all[0].operator', message: /does not fit a timestamp fact; use one of before/ }],
    ],
    [
      'withinLastDays on a number',
      one({ fact: 'stats', path: '$.ordersCount', operator: 'withinLastDays', value: 5 }),
      [{ path: 'rules.all[0].operator', message: /does not fit/ }],
    ],
    [
      'exists on events',
      one({ fact: 'events', params: { event: 'E' }, operator: 'exists', value: true }),
      [{ path: 'rules.all[0].operator', message: /does not fit/ }],
    ],
    [
      'equal on segments',
      one({ fact: 'segments', operator: 'equal', value: 'vip' }),
      [{ path: 'rules.all[0].operator', message: /does not fit/ }],
    ],
    [
      'a missing value',
      one({ fact: 'traits', path: '$.a', operator: 'equal' }),
      [{ path: 'rules.all[0].value', message: /required/ }],
    ],
    [
      'a string for a number field',
      one({ fact: 'stats', path: '$.ordersCount', operator: 'equal', value: '5' }),
      [{ path: 'rules.all[0].value', message: /finite number/ }],
    ],
    [
      'a number for a string field',
      one({ fact: 'scores', path: '$.rfmCode', operator: 'equal', value: 555 }),
      [{ path: 'rules.all[0].value', message: /non-empty string/ }],
    ],
    [
      'a string for lessThan on traits',
      one({ fact: 'traits', path: '$.a', operator: 'lessThan', value: '5' }),
      [{ path: 'rules.all[0].value', message: /finite number/ }],
    ],
    [
      'null compared',
      one({ fact: 'traits', path: '$.a', operator: 'equal', value: null }),
      [{ path: 'rules.all[0].value', message: /string, a finite number or a boolean/ }],
    ],
    [
      'an object value (a fact reference)',
      one({ fact: 'traits', path: '$.a', operator: 'equal', value: { fact: 'stats' } }),
      [{ path: 'rules.all[0].value', message: /string, a finite number/ }],
    ],
    [
      'Infinity',
      one({ fact: 'traits', path: '$.a', operator: 'greaterThan', value: Infinity }),
      [{ path: 'rules.all[0].value', message: /finite/ }],
    ],
    [
      'a NUL character',
      one({ fact: 'traits', path: '$.a', operator: 'equal', value: 'a\u0000b' }),
      [{ path: 'rules.all[0].value', message: /NUL/ }],
    ],
    [
      'a lone surrogate',
      one({ fact: 'traits', path: '$.a', operator: 'equal', value: 'a\ud800' }),
      [{ path: 'rules.all[0].value', message: /well-formed/ }],
    ],
    [
      'an empty in list',
      one({ fact: 'traits', path: '$.a', operator: 'in', value: [] }),
      [{ path: 'rules.all[0].value', message: /list of 1 to/ }],
    ],
    [
      'bad list elements',
      one({ fact: 'stats', path: '$.ordersCount', operator: 'in', value: [1, 'x', null] }),
      [
        { path: 'rules.all[0].value[1]', message: /finite number/ },
        { path: 'rules.all[0].value[2]', message: /finite number/ },
      ],
    ],
    [
      'between reversed',
      one({ fact: 'traits', path: '$.a', operator: 'between', value: [5, 1] }),
      [{ path: 'rules.all[0].value', message: /low must not be greater/ }],
    ],
    [
      'between with one bound',
      one({ fact: 'traits', path: '$.a', operator: 'between', value: [5] }),
      [{ path: 'rules.all[0].value', message: /\[low, high\]/ }],
    ],
    [
      'between dates reversed',
      one({ fact: 'stats', path: '$.lastSeenAt', operator: 'between', value: ['2026-02-01', '2026-01-01'] }),
      [{ path: 'rules.all[0].value', message: /low must not/ }],
    ],
    [
      'exists with a string',
      one({ fact: 'traits', path: '$.a', operator: 'exists', value: 'yes' }),
      [{ path: 'rules.all[0].value', message: /true or false/ }],
    ],
    [
      'withinLastDays 0',
      one({ fact: 'stats', path: '$.lastSeenAt', operator: 'withinLastDays', value: 0 }),
      [{ path: 'rules.all[0].value', message: /days > 0/ }],
    ],
    [
      'before a local time',
      one({ fact: 'stats', path: '$.lastSeenAt', operator: 'before', value: '2026-01-01T10:00:00' }),
      [{ path: 'rules.all[0].value', message: /ISO date/ }],
    ],
    [
      'after February 30',
      one({ fact: 'stats', path: '$.lastSeenAt', operator: 'after', value: '2026-02-30' }),
      [{ path: 'rules.all[0].value', message: /ISO date/ }],
    ],
    [
      'a segment key that is not a string',
      one({ fact: 'segments', operator: 'contains', value: 5 }),
      [{ path: 'rules.all[0].value', message: /non-empty string/ }],
    ],
    [
      'events without params',
      one({ fact: 'events', operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params', message: /required/ }],
    ],
    [
      'events without a name',
      one({ fact: 'events', params: { withinDays: 3 }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.event', message: /non-empty string/ }],
    ],
    [
      'an unknown param',
      one({ fact: 'events', params: { event: 'E', since: 3 }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.since', message: /unknown key/ }],
    ],
    [
      'withinDays and from',
      one({
        fact: 'events',
        params: { event: 'E', withinDays: 3, from: '2026-01-01' },
        operator: 'equal',
        value: 1,
      }),
      [{ path: 'rules.all[0].params.withinDays', message: /cannot be combined/ }],
    ],
    [
      'a negative window',
      one({ fact: 'events', params: { event: 'E', withinDays: -1 }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.withinDays', message: /days > 0/ }],
    ],
    [
      'to before from',
      one({
        fact: 'events',
        params: { event: 'E', from: '2026-02-01', to: '2026-01-01' },
        operator: 'equal',
        value: 1,
      }),
      [{ path: 'rules.all[0].params.to', message: /after from/ }],
    ],
    [
      'a bad from',
      one({ fact: 'events', params: { event: 'E', from: 'yesterday' }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.from', message: /ISO/ }],
    ],
    [
      'where with an object',
      one({ fact: 'events', params: { event: 'E', where: { a: { b: 1 } } }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.where.a', message: /string, a finite number/ }],
    ],
    [
      'where as a list',
      one({ fact: 'events', params: { event: 'E', where: ['a'] }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.where', message: /object/ }],
    ],
    [
      'sum without property',
      one({ fact: 'events', params: { event: 'E', aggregate: 'sum' }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.property', message: /required when aggregate is sum/ }],
    ],
    [
      'property with count',
      one({ fact: 'events', params: { event: 'E', property: 'x' }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.property', message: /only allowed when aggregate is sum/ }],
    ],
    [
      'an unknown aggregate',
      one({ fact: 'events', params: { event: 'E', aggregate: 'avg' }, operator: 'equal', value: 1 }),
      [{ path: 'rules.all[0].params.aggregate', message: /count or sum/ }],
    ],
    [
      'a string compared with an event count',
      one({ fact: 'events', params: { event: 'E' }, operator: 'equal', value: '1' }),
      [{ path: 'rules.all[0].value', message: /finite number/ }],
    ],
  ])('refuses %s', (_name, rules, expected) => {
    const problems = problemsOf(rules);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(problems[i].path).toBe(e.path);
      expect(problems[i].message).toMatch(e.message);
    });
  });

  it('lists every problem of a definition, each with its path', () => {
    const rules = {
      all: [
        { fact: 'traits', path: '$.age', operator: 'between', value: [25, 40] },
        { fact: 'nope', operator: 'equal', value: 1 },
        { fact: 'stats', path: '$.ordersCount', operator: 'contains', value: 2 },
        {
          any: [
            { fact: 'scores', path: '$.clv', operator: 'greaterThan', value: 'high', extra: true },
            { not: { fact: 'events', params: { event: '', withinDays: 0 }, operator: 'lessThan', value: 1 } },
          ],
        },
      ],
    };
    expect(paths(rules)).toEqual([
      'rules.all[1].fact',
      'rules.all[2].operator',
      'rules.all[3].any[0].extra',
      'rules.all[3].any[0].value',
      'rules.all[3].any[1].not.params.event',
      'rules.all[3].any[1].not.params.withinDays',
    ]);
  });

  it(`refuses nesting deeper than ${LIMITS.depth} levels without walking further`, () => {
    let rules: unknown = { fact: 'traits', path: '$.a', operator: 'exists', value: true };
    for (let i = 0; i < 10_000; i++) rules = { not: rules }; // deep enough to overflow a naive recursion
    const problems = problemsOf(rules);
    expect(problems).toEqual([
      { path: `rules${'.not'.repeat(LIMITS.depth)}`, message: `nesting deeper than ${LIMITS.depth} levels` },
    ]);

    let ok: unknown = { fact: 'traits', path: '$.a', operator: 'exists', value: true };
    for (let i = 0; i < LIMITS.depth; i++) ok = { all: [ok] };
    expect(problemsOf(ok)).toEqual([]);
  });

  it(`refuses more than ${LIMITS.leaves} conditions`, () => {
    const leaf = { fact: 'traits', path: '$.a', operator: 'exists', value: true };
    expect(problemsOf({ any: Array(LIMITS.leaves).fill(leaf) })).toEqual([]);
    expect(problemsOf({ any: Array(LIMITS.leaves + 1).fill(leaf) })).toEqual([
      { path: 'rules', message: `has ${LIMITS.leaves + 1} conditions; at most ${LIMITS.leaves} are allowed` },
    ]);
  });

  it('uses the given root in paths', () => {
    const problems = validateDefinition(one({ fact: 'x' }), { ...noSegments, root: 'nodes[0].when' });
    expect(problems[0].path).toBe('nodes[0].when.all[0].fact');
  });

  describe('segment references', () => {
    const refersTo = (...keys: string[]): RuleDefinition => ({
      any: keys.map((key) => ({ fact: 'segments', operator: 'contains', value: key })),
    });
    const stored: Record<string, RuleDefinition> = {
      a: refersTo('b'),
      b: refersTo('c'),
      c: { all: [{ fact: 'traits', path: '$.x', operator: 'exists', value: true }] },
      loop1: refersTo('loop2'),
      loop2: refersTo('loop1'),
      back: refersTo('self'),
    };
    const segmentRules = (key: string) => (Object.hasOwn(stored, key) ? stored[key] : undefined);

    it('accepts a chain of references', () => {
      expect(validateDefinition(refersTo('a'), { segmentRules, selfKey: 'self' })).toEqual([]);
    });

    it('refuses unknown segments', () => {
      expect(validateDefinition(refersTo('c', 'ghost'), { segmentRules })).toEqual([
        { path: 'rules.any[1].value', message: 'unknown segment "ghost"' },
      ]);
    });

    it('refuses a segment that refers to itself, directly or through others', () => {
      expect(validateDefinition(refersTo('self'), { segmentRules, selfKey: 'self' })).toEqual([
        { path: 'rules.any[0].value', message: 'a segment cannot refer to itself ("self")' },
      ]);
      // `back` refers to `self`: the new rules of `self` would close the loop.
      expect(validateDefinition(refersTo('c', 'back'), { segmentRules, selfKey: 'self' })).toEqual([
        { path: 'rules.any[1].value', message: 'segments refer to each other: self → back → self' },
      ]);
    });

    it('refuses depending on a cycle of other segments', () => {
      expect(
        validateDefinition(
          { not: { fact: 'segments', operator: 'doesNotContain', value: 'loop1' } },
          { segmentRules },
        ),
      ).toEqual([
        { path: 'rules.not.value', message: 'segments refer to each other: loop1 → loop2 → loop1' },
      ]);
    });

    it('uses the new rules of the segment being edited, not its stored ones', () => {
      // Stored `self` would refer to `a`; the edit removes that, so `back` is fine.
      const withSelf = (key: string) => (key === 'self' ? refersTo('back') : segmentRules(key));
      expect(validateDefinition(refersTo('c'), { segmentRules: withSelf, selfKey: 'self' })).toEqual([]);
    });
  });

  describe('SQL-injection-looking input', () => {
    const INJECTIONS = [`'; DROP TABLE customers; --`, `$1`, `a" OR 1=1 --`, `$.a'); DELETE FROM events; --`];

    it.each(INJECTIONS)('refuses %j as a path, fact, operator or key', (evil) => {
      expect(paths(one({ fact: 'traits', path: evil, operator: 'exists', value: true }))).toEqual([
        'rules.all[0].path',
      ]);
      expect(paths(one({ fact: 'traits', path: `$.a.${evil}`, operator: 'exists', value: true }))).toEqual([
        'rules.all[0].path',
      ]);
      expect(paths(one({ fact: 'stats', path: `$.${evil}`, operator: 'exists', value: true }))).toEqual([
        'rules.all[0].path',
      ]);
      expect(paths(one({ fact: evil, operator: 'exists', value: true }))).toEqual(['rules.all[0].fact']);
      expect(paths(one({ fact: 'traits', path: '$.a', operator: evil, value: 1 }))).toEqual([
        'rules.all[0].operator',
      ]);
      const unknownKey = problemsOf(
        one({ fact: 'traits', path: '$.a', operator: 'exists', value: true, [evil]: 1 }),
      );
      expect(unknownKey).toEqual([
        { path: expect.stringMatching(/^rules\.all\[0\]/), message: 'unknown key' },
      ]);
    });

    it.each(INJECTIONS)('accepts %j as a value, event name or property name (they are bound)', (evil) => {
      expect(
        structureProblems({
          all: [
            { fact: 'traits', path: '$.a', operator: 'equal', value: evil },
            { fact: 'segments', operator: 'contains', value: evil },
            {
              fact: 'events',
              params: { event: evil, where: { [evil]: evil }, aggregate: 'sum', property: evil },
              operator: 'greaterThan',
              value: 1,
            },
          ],
        }),
      ).toEqual([]);
    });
  });
});

describe('validateDefinition: the context fact', () => {
  const context = (leaf: object = {}) =>
    one({ fact: 'context', path: '$.event.total', operator: 'greaterThan', value: 5, ...leaf });

  it('is an unknown fact for segments', () => {
    expect(problemsOf(context())).toEqual([
      { path: 'rules.all[0].fact', message: expect.stringContaining('unknown fact') },
    ]);
  });

  it('is accepted with allowContext, as a json fact', () => {
    expect(problemsOf(context(), { ...noSegments, allowContext: true })).toEqual([]);
    expect(
      problemsOf(one({ fact: 'context', path: '$.event.tags', operator: 'contains', value: 'a' }), {
        ...noSegments,
        allowContext: true,
      }),
    ).toEqual([]);
  });

  it.each<[string, object, string]>([
    ['path is required', { path: undefined }, 'nodes[1].branches[0].when.all[0].path'],
    ['path must be a path', { path: 'event.total' }, 'nodes[1].branches[0].when.all[0].path'],
    ['operator must fit json', { operator: 'withinLastDays' }, 'nodes[1].branches[0].when.all[0].operator'],
    ['params are not allowed', { params: { event: 'x' } }, 'nodes[1].branches[0].when.all[0].params'],
  ])('%s', (_name, leaf, path) => {
    const options = { ...noSegments, allowContext: true, root: 'nodes[1].branches[0].when' };
    expect(problemsOf(context(leaf), options).map((p) => p.path)).toEqual([path]);
  });

  it('lists context among the facts only when allowed', () => {
    const unknown = one({ fact: 'nope', operator: 'exists', value: true });
    expect(problemsOf(unknown)[0].message).not.toContain('context');
    expect(problemsOf(unknown, { ...noSegments, allowContext: true })[0].message).toContain('context');
  });
});
