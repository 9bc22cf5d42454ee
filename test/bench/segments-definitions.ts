import type { CreateSegmentDto } from '../../src/segments/segments.dto';

/** The kinds of segment the issue names; event-window has two (a count window, and "added but did not buy"). */
export type SegmentKind = 'trait' | 'stats' | 'event-window' | 'rfm' | 'nested';

export interface BenchSegment {
  kind: SegmentKind;
  dto: CreateSegmentDto;
}

/** Stats threshold the incremental phase pushes customers over: ordersCount ≥ 3 and revenueTotal > 200. */
export const STATS_MIN_ORDERS = 3;
export const STATS_MIN_REVENUE = 200;

export const BENCH_SEGMENTS: readonly BenchSegment[] = [
  {
    kind: 'trait',
    dto: {
      key: 'bench-pro-25-40',
      name: 'Pro plan, aged 25–40',
      rules: {
        all: [
          { fact: 'traits', path: '$.plan', operator: 'equal', value: 'pro' },
          { fact: 'traits', path: '$.age', operator: 'between', value: [25, 40] },
        ],
      },
    },
  },
  {
    kind: 'stats',
    dto: {
      key: 'bench-repeat-buyers',
      name: 'Three orders and more than 200 spent',
      rules: {
        all: [
          { fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: STATS_MIN_ORDERS },
          { fact: 'stats', path: '$.revenueTotal', operator: 'greaterThan', value: STATS_MIN_REVENUE },
        ],
      },
    },
  },
  {
    kind: 'event-window',
    dto: {
      key: 'bench-email-openers',
      name: 'Opened two emails in 30 days',
      rules: {
        all: [
          {
            fact: 'events',
            params: { event: 'Email Opened', withinDays: 30 },
            operator: 'greaterThanInclusive',
            value: 2,
          },
        ],
      },
    },
  },
  {
    kind: 'event-window',
    dto: {
      key: 'bench-cart-abandoners',
      name: 'Added to cart in the last day and did not order',
      rules: {
        all: [
          {
            fact: 'events',
            params: { event: 'Product Added', withinDays: 1 },
            operator: 'greaterThanInclusive',
            value: 1,
          },
          {
            not: {
              fact: 'events',
              params: { event: 'Order Completed', withinDays: 1 },
              operator: 'greaterThanInclusive',
              value: 1,
            },
          },
        ],
      },
    },
  },
  {
    kind: 'rfm',
    dto: {
      key: 'bench-rfm-best',
      name: 'RFM champions and loyal customers',
      rules: {
        all: [
          { fact: 'scores', path: '$.rfmGroup', operator: 'in', value: ['champions', 'loyal-customers'] },
        ],
      },
    },
  },
  {
    kind: 'nested',
    dto: {
      key: 'bench-nested',
      name: 'Nested any/all/not over traits, stats, scores and events',
      rules: {
        any: [
          {
            all: [
              { fact: 'traits', path: '$.country', operator: 'in', value: ['FR', 'DE'] },
              { fact: 'stats', path: '$.avgOrderValue', operator: 'greaterThanInclusive', value: 120 },
              {
                not: {
                  fact: 'events',
                  params: { event: 'Email Clicked', withinDays: 90 },
                  operator: 'greaterThanInclusive',
                  value: 1,
                },
              },
            ],
          },
          {
            all: [
              // A numeric-looking string trait: matched as a string, never as the number 75000.
              {
                fact: 'traits',
                path: '$.postalCode',
                operator: 'in',
                value: ['75000', '92000', '93000', '94000'],
              },
              { fact: 'scores', path: '$.rfmRecency', operator: 'greaterThanInclusive', value: 4 },
            ],
          },
          {
            // Age 65 and over (or unknown) and seen in the last fortnight (or never seen).
            not: {
              any: [
                { fact: 'traits', path: '$.age', operator: 'lessThan', value: 65 },
                { fact: 'stats', path: '$.daysSinceLastSeen', operator: 'greaterThan', value: 14 },
              ],
            },
          },
        ],
      },
    },
  },
];

/** The segments the naive Node refresh re-evaluates: the simplest, and the one reading every kind of fact. */
export const NODE_SEGMENT_KEYS = ['bench-repeat-buyers', 'bench-nested'] as const;
