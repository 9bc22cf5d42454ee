import { compileForCustomers, compileSegmentSql } from './compile-sql';
import { InvalidDefinitionError, RuleDefinition } from './definition';

const NOW = new Date('2026-03-15T12:00:00.000Z');
const compile = (rules: unknown, segmentIdsByKey?: Map<string, string> | Record<string, string>) =>
  compileSegmentSql(rules, { now: NOW, segmentIdsByKey });
const EVIL = [
  `'; DROP TABLE customers; --`,
  `$1 OR 1=1`,
  `") OR true --`,
  `\\'; SELECT pg_sleep(10); --`,
  `$$;$$`,
];

/** The string literals a compiled query may contain: type names and float specials written by the compiler. */
const ALLOWED_LITERALS = new Set([
  `'string'`,
  `'number'`,
  `'boolean'`,
  `'array'`,
  `'null'`,
  `'NaN'`,
  `'Infinity'`,
  `'-Infinity'`,
]);

function expectWellFormed({ sql, params }: { sql: string; params: unknown[] }) {
  for (const literal of sql.match(/'[^']*'/g) ?? []) expect(ALLOWED_LITERALS).toContain(literal);
  const placeholders = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  expect(new Set(placeholders)).toEqual(new Set(params.map((_, i) => i + 1)));
}

describe('compileSegmentSql', () => {
  it('returns one SELECT of customer ids over customers, stats and scores', () => {
    const { sql, params } = compile({
      all: [
        { fact: 'traits', path: '$.address.city', operator: 'equal', value: 'Paris' },
        { fact: 'stats', path: '$.ordersCount', operator: 'greaterThan', value: 2 },
        { fact: 'scores', path: '$.clvTier', operator: 'in', value: ['high'] },
      ],
    });
    expect(sql).toBe(
      [
        'SELECT c.id AS customer_id',
        'FROM customers c',
        'LEFT JOIN customer_stats s ON s.customer_id = c.id',
        'LEFT JOIN customer_scores sc ON sc.customer_id = c.id',
        `WHERE (COALESCE((c.traits #> $1::text[]) = $2::jsonb, false)` +
          ` AND COALESCE(NULLIF((COALESCE(s.orders_count, 0))::float8, 'NaN'::float8) > $3::float8, false)` +
          ` AND COALESCE(sc.clv_tier = ANY($4::text[]), false))`,
      ].join('\n'),
    );
    expect(params).toEqual([['address', 'city'], '"Paris"', 2, ['high']]);
  });

  it('writes negative operators and not as NOT of a two-valued leaf', () => {
    const { sql } = compile({
      any: [
        { fact: 'traits', path: '$.plan', operator: 'notEqual', value: 'pro' },
        { not: { fact: 'traits', path: '$.age', operator: 'greaterThan', value: 5 } },
        { fact: 'traits', path: '$.age', operator: 'exists', value: false },
      ],
    });
    expect(sql).toContain(`(NOT COALESCE((c.traits #> $1::text[]) = $2::jsonb, false))`);
    expect(sql).toContain(
      `(NOT COALESCE((CASE WHEN jsonb_typeof((c.traits #> $3::text[])) = 'number'` +
        ` THEN ((c.traits #> $3::text[]))::numeric END) > $4::numeric, false))`,
    );
    expect(sql).toContain(`(NOT COALESCE(jsonb_typeof((c.traits #> $5::text[])) <> 'null', false))`);
  });

  it('aggregates events in one set-based CTE, one FILTERed column per distinct condition', () => {
    const orders = { event: 'Order Completed', withinDays: 30 };
    const { sql, params } = compile({
      all: [
        { fact: 'events', params: orders, operator: 'greaterThan', value: 1 },
        { fact: 'events', params: { ...orders }, operator: 'lessThan', value: 10 },
        {
          fact: 'events',
          params: { event: 'Order Completed', where: { plan: 'pro' }, aggregate: 'sum', property: 'revenue' },
          operator: 'greaterThanInclusive',
          value: 100,
        },
      ],
    });
    expect(sql.startsWith('WITH ev AS (\n  SELECT e.customer_id, count(*) FILTER')).toBe(true);
    expect(sql.match(/ AS a\d/g)).toEqual([' AS a0', ' AS a1']);
    expect(sql).toContain('LEFT JOIN ev ON ev.customer_id = c.id');
    expect(sql).toContain('GROUP BY e.customer_id');
    // The sum has no window, so the scan has no bounds; it reads only the named events.
    expect(sql).toMatch(/WHERE e\.event = ANY\(\$\d+::text\[\]\)\n/);
    expect(params).toContainEqual(['Order Completed']);
    expect(params).toContainEqual('2026-02-13T12:00:00.000Z'); // now − 30 days
    expect(params).toContainEqual('2026-03-15T12:00:00.001Z'); // up to and including now
    expectWellFormed({ sql, params });
  });

  it('bounds the scan of events by the widest window', () => {
    const { sql, params } = compile({
      any: [
        { fact: 'events', params: { event: 'A', withinDays: 30 }, operator: 'greaterThan', value: 0 },
        {
          fact: 'events',
          params: { event: 'B', from: '2026-01-01', to: '2026-02-01' },
          operator: 'equal',
          value: 0,
        },
      ],
    });
    const scan =
      /WHERE e\.event = ANY\((\$\d+)::text\[\]\) AND e\."timestamp" >= (\$\d+)::timestamptz AND e\."timestamp" < (\$\d+)::timestamptz\n/;
    const [names, since, until] = scan
      .exec(sql)!
      .slice(1)
      .map((m) => params[Number(m.slice(1)) - 1]);
    expect([names, since, until]).toEqual([
      ['A', 'B'],
      '2026-01-01T00:00:00.000Z',
      '2026-03-15T12:00:00.001Z',
    ]);
  });

  it('reads memberships by segment id when known, by key otherwise', () => {
    const rules: RuleDefinition = {
      all: [
        { fact: 'segments', operator: 'contains', value: 'vip' },
        { fact: 'segments', operator: 'doesNotContain', value: 'constructor' },
      ],
    };
    const ids = { vip: '00000000-0000-0000-0000-000000000001' };
    for (const byKey of [ids, new Map(Object.entries(ids))]) {
      const { sql, params } = compile(rules, byKey);
      expect(sql).toContain('m.segment_id = $1::uuid');
      // `constructor` is not an own key of the record: no prototype member is taken for an id.
      expect(sql).toContain(
        'JOIN segments g ON g.id = m.segment_id WHERE m.customer_id = c.id AND g.key = $2::text',
      );
      expect(params).toEqual([ids.vip, 'constructor']);
    }
  });

  it('restricts to given customers, in the CTE as well', () => {
    const ids = ['00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b'];
    const { sql, params } = compileForCustomers(
      { all: [{ fact: 'events', params: { event: 'E' }, operator: 'equal', value: 0 }] },
      ids,
      { now: NOW },
    );
    expect(params[0]).toEqual(ids);
    expect(sql).toContain('AND e.customer_id = ANY($1::uuid[])');
    expect(sql).toContain('WHERE c.id = ANY($1::uuid[]) AND ');
  });

  it('binds now once for derived days', () => {
    const { sql, params } = compile({
      all: [
        { fact: 'stats', path: '$.daysSinceLastOrder', operator: 'greaterThan', value: 30 },
        { fact: 'stats', path: '$.tenureDays', operator: 'lessThan', value: 365 },
      ],
    });
    expect(params.filter((p) => p === String(NOW.getTime()))).toHaveLength(1);
    expect(sql).toContain('floor(extract(epoch from s.last_order_at) * 1000))::float8 / 86400000');
    expect(sql).toContain('floor(extract(epoch from s.first_seen_at) * 1000))::float8 / 86400000');
  });

  it('refuses to compile an invalid definition', () => {
    expect(() =>
      compile({ all: [{ fact: 'traits', path: `$.a'--`, operator: 'exists', value: true }] }),
    ).toThrow(InvalidDefinitionError);
    expect(() => compile('SELECT 1')).toThrow(InvalidDefinitionError);
  });

  it('refuses the context fact: it exists only in a journey run, never in SQL', () => {
    expect(() =>
      compile({ all: [{ fact: 'context', path: '$.event.total', operator: 'greaterThan', value: 5 }] }),
    ).toThrow(InvalidDefinitionError);
  });

  it.each(EVIL)('never puts %j into the SQL text: it is bound', (evil) => {
    const rules: RuleDefinition = {
      any: [
        { fact: 'traits', path: '$.a', operator: 'equal', value: evil },
        { fact: 'traits', path: '$.a', operator: 'in', value: [evil, 1] },
        { fact: 'traits', path: '$.a', operator: 'contains', value: evil },
        { fact: 'scores', path: '$.rfmCode', operator: 'notIn', value: [evil] },
        { fact: 'segments', operator: 'contains', value: evil },
        {
          fact: 'events',
          params: { event: evil, where: { [evil]: evil }, aggregate: 'sum', property: evil },
          operator: 'greaterThan',
          value: 0,
        },
      ],
    };
    for (const compiled of [
      compile(rules),
      compile(rules, { [evil]: '00000000-0000-0000-0000-000000000001' }),
      compileForCustomers(rules, [evil], { now: NOW }),
    ]) {
      expect(compiled.sql).not.toContain(evil);
      expect(JSON.stringify(compiled.params)).toContain(JSON.stringify(evil).slice(1, -1));
      expectWellFormed(compiled);
    }
  });

  it('compiles every operator of every fact into well-formed SQL', () => {
    const leaves: object[] = [
      ...['equal', 'notEqual', 'contains', 'doesNotContain'].map((operator) => ({
        fact: 'traits',
        path: '$.a',
        operator,
        value: 'x',
      })),
      ...['in', 'notIn'].map((operator) => ({
        fact: 'traits',
        path: '$.a',
        operator,
        value: [1, 'x', true],
      })),
      ...['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'].flatMap((operator) => [
        { fact: 'traits', path: '$.a', operator, value: 1 },
        { fact: 'stats', path: '$.revenueTotal', operator, value: 1 },
        { fact: 'events', params: { event: 'E', from: '2026-01-01' }, operator, value: 1 },
      ]),
      { fact: 'traits', path: '$.a', operator: 'between', value: [1, 2] },
      { fact: 'scores', path: '$.churnProbability', operator: 'between', value: [0.1, 0.2] },
      { fact: 'stats', path: '$.lastSeenAt', operator: 'between', value: ['2026-01-01', '2026-02-01'] },
      { fact: 'stats', path: '$.lastSeenAt', operator: 'before', value: '2026-01-01' },
      { fact: 'stats', path: '$.lastSeenAt', operator: 'after', value: '2026-01-01T00:00:00+02:00' },
      { fact: 'stats', path: '$.lastSeenAt', operator: 'withinLastDays', value: 2.5 },
      { fact: 'stats', path: '$.lastSeenAt', operator: 'exists', value: true },
      { fact: 'scores', path: '$.rfmGroup', operator: 'exists', value: false },
      { fact: 'scores', path: '$.cluster', operator: 'in', value: [1, 2] },
    ];
    const compiled = compile({ any: leaves as never });
    expectWellFormed(compiled);
    expect(compiled.params).toContainEqual('2025-12-31T22:00:00.001Z'); // after: the next whole millisecond
    expect(compiled.params).toContainEqual('2026-03-13T00:00:00.000Z'); // within 2.5 days of now
  });
});
